import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from './import-dataset.ts';
import { customerId, customerLine, HEADERS, usageLine, writeCleanDataset } from './test-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const BIN = resolve('bin/tenure.js');

const CUSTOMERS = 20_000;
const MONTHS = 60;

async function writeBigDataset(dir: string): Promise<void> {
  mkdirSync(dir);
  const write = async (name: string, header: readonly string[], lines: (emit: (l: string) => void) => void) => {
    const out = createWriteStream(join(dir, `${name}.csv`));
    let buf = `${header.join(',')}\n`;
    lines((l) => {
      buf += `${l}\n`;
      if (buf.length > 1 << 20) {
        out.write(buf);
        buf = '';
      }
    });
    out.end(buf);
    await once(out, 'finish');
  };
  await write('customers', HEADERS.customers, (emit) => {
    for (let i = 1; i <= CUSTOMERS; i++) emit(customerLine(i));
  });
  await write('monthly_usage', HEADERS.monthly_usage, (emit) => {
    for (let i = 1; i <= CUSTOMERS; i++) {
      for (let m = 0; m < MONTHS; m++) emit(usageLine(i, `${2020 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`));
    }
  });
  await write('churn_events', HEADERS.churn_events, (emit) => emit(`${customerId(1)},2024-03-01,voluntary,101,`));
}

function runImport(dir: string, db: string): { done: Promise<{ code: number | null; signal: string | null }>; kill: () => void } {
  const child = spawn(process.execPath, [BIN, 'import', dir, '--db', db, '--json'], { stdio: 'ignore' });
  const done = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { done, kill: () => child.kill('SIGKILL') };
}

async function tableCounts(db: string): Promise<Record<string, number>> {
  const store = await DuckDBStore.open(db);
  try {
    const [row] = await store.query(
      `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM monthly_usage) AS monthly_usage,
              (SELECT count(DISTINCT (customer_id, month)) FROM monthly_usage) AS usage_keys,
              (SELECT count(x_speed) FROM monthly_usage) AS usage_extras, (SELECT count(*) FROM import_runs) AS runs`,
    );
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
  } finally {
    await store.close();
  }
}

describe('interrupted import', () => {
  it('kill -9 in the middle of a file leaves the store as it was before that file, and usable', async () => {
    const small = join(root, 'small');
    mkdirSync(small);
    writeCleanDataset(small, 50);
    const big = join(root, 'big');
    await writeBigDataset(big);
    const db = join(root, 'store.duckdb');
    const store = await DuckDBStore.open(db, { readableDirectories: [root] });
    await importDataset(store, small);
    await store.close();
    const before = await tableCounts(db);
    expect(before.monthly_usage).toBe(100);

    // How long the whole import takes here, measured on a scratch store.
    const t0 = performance.now();
    const calibration = await runImport(big, join(root, 'scratch.duckdb')).done;
    const fullMs = performance.now() - t0;
    expect(calibration.code).toBe(0);

    // Customers take a small share of the time; at 60 % the usage file is being loaded. On a
    // machine whose load drops between runs the import can finish first: then start again from
    // the saved store and kill earlier.
    const template = join(root, 'before.duckdb');
    copyFileSync(db, template);
    let result: { code: number | null; signal: string | null } = { code: null, signal: null };
    for (const fraction of [0.6, 0.45, 0.3, 0.15]) {
      rmSync(`${db}.wal`, { force: true });
      copyFileSync(template, db);
      const run = runImport(big, db);
      const timer = setTimeout(run.kill, fullMs * fraction);
      result = await run.done;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') break;
    }
    expect(result.signal).toBe('SIGKILL');

    const after = await tableCounts(db);
    // monthly_usage is all or nothing: never a part of the big file.
    // The big file repeats the small one's rows unchanged, so fully loaded means exactly its rows.
    const full = CUSTOMERS * MONTHS;
    expect([before.monthly_usage, full]).toContain(after.monthly_usage);
    expect(after.usage_keys).toBe(after.monthly_usage);
    expect(after.usage_extras).toBe(after.monthly_usage); // every row's x_ measure came with it
    expect([before.customers, CUSTOMERS]).toContain(after.customers);

    // Still usable: importing again completes and loads everything exactly once.
    const again = await runImport(big, db).done;
    expect(again.code).toBe(0);
    const final = await tableCounts(db);
    expect(final.customers).toBe(CUSTOMERS);
    expect(final.monthly_usage).toBe(full);
    expect(final.usage_keys).toBe(final.monthly_usage);
  }, 300_000);
});
