import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TenureError } from './errors.ts';
import { DuckDBStore } from '../store/duckdb/duckdb-store.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { isPostgresUrl, redactUrl } from '../store/postgres/connection.ts';
import { copyDuckDBToPostgres, type CopyReport } from '../store/copy.ts';
import type { AnalyticsStore } from '../store/port.ts';
import { refreshChurnBasis } from './reports/basis.ts';
import { prepareLatestAnalytics } from './lifecycle/prepare.ts';

async function hasCustomers(store: AnalyticsStore): Promise<boolean> {
  const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM customers LIMIT 1) AS c');
  return Number(row?.n ?? 0) > 0;
}

export interface StoreCopyResult extends CopyReport {
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
}

/**
 * `tenure store copy --into postgres://…`: an embedded store moves to the server store, all of it or
 * nothing. The source is opened read-only (other readers may go on); the target must be new.
 */
export async function copyStoreToServer(from: string, to: string, onTable?: (table: string, rows: number) => void): Promise<StoreCopyResult> {
  if (!isPostgresUrl(to)) throw new TenureError('USAGE', `--into must be a PostgreSQL URL (postgres://user@host:port/database), got ${redactUrl(to)}`);
  if (isPostgresUrl(from)) throw new TenureError('USAGE', '--db must be the DuckDB store file to copy from');
  if (!existsSync(from)) throw new TenureError('FILE_NOT_FOUND', `no store at ${from}`, { file: from });
  const started = performance.now();
  const source = await DuckDBStore.open(resolve(from), { access: 'read-only' });
  try {
    const target = await PostgresStore.open(to);
    try {
      const report = await copyDuckDBToPostgres(source, target, onTable);
      // What an import keeps for the read commands, kept here too: the reports' basis and the
      // latest months' stages and values (derived tables are not copied, they are rebuilt).
      if (report.rows > 0) {
        await target.transaction((tx) => refreshChurnBasis(target, tx));
        if (await hasCustomers(target)) await prepareLatestAnalytics(target);
      }
      return { ...report, from, to: target.location, seconds: Math.round((performance.now() - started) / 10) / 100 };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
