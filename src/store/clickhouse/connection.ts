import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { StoreError } from '../errors.ts';
import type { SqlValue } from '../port.ts';
import { bindParams } from './literals.ts';
import { parseTsv, type TsvResult } from './tsv.ts';
import { hostUrl, type ClickHouseHost, type ClickHouseTarget } from './target.ts';

/**
 * One HTTP session on one ClickHouse server (@clickhouse/client): its own session id, so its own
 * temporary tables, and one statement at a time (a server session is locked while a query runs).
 * Values are bound by literals.ts; results come back as TabSeparatedWithNamesAndTypes (tsv.ts).
 */
export type Settings = Record<string, string | number>;

/** Server error codes of SQL the engine does not understand (or of a table the ClickHouse layout does not have yet): the app's SQL still speaks another engine here. */
const NOT_PORTED = new Set(['62', '46', '47', '50', '43', '36', '48', '1', '53', '386', '60']);
/** Errors of a shard that cannot be reached from the coordinator. */
const SHARD_DOWN = new Set(['279', '210', '209', '394']);

export interface SessionOptions {
  readonly requestTimeoutMs?: number;
  /** Settings sent with every statement of the session (max_memory_usage, max_execution_time, …). */
  readonly settings?: Settings;
}

export class ClickHouseSession {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: ClickHouseClient,
    readonly host: ClickHouseHost,
    private readonly target: ClickHouseTarget,
    private readonly settings: Settings,
  ) {}

  static open(target: ClickHouseTarget, host: ClickHouseHost, options: SessionOptions = {}, database = target.database): ClickHouseSession {
    const client = createClient({
      url: hostUrl(host),
      username: target.username,
      password: target.password,
      database,
      session_id: `tenure-${randomUUID()}`,
      request_timeout: options.requestTimeoutMs ?? 600_000,
      application: 'tenure',
      keep_alive: { enabled: true },
      // Progress headers keep a long statement's HTTP response alive (18.16 has both settings).
      clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
      log: { level: ClickHouseLogLevel.OFF },
    });
    return new ClickHouseSession(client, host, target, options.settings ?? {});
  }

  get where(): string {
    return `${this.host.host}:${this.host.port}`;
  }

  /** One at a time on this session, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private settingsOf(extra?: Settings): Record<string, string> {
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...this.settings, ...extra })) all[k] = String(v);
    return all;
  }

  /** A statement without a result (DDL, INSERT … SELECT). */
  async run(sql: string, params: readonly SqlValue[] = [], settings?: Settings): Promise<void> {
    const query = bindParams(sql, params);
    await this.serial(async () => {
      try {
        await this.client.command({ query, clickhouse_settings: this.settingsOf(settings) as never });
      } catch (err) {
        throw this.error(err, query);
      }
    });
  }

  /** A SELECT, its rows as exact text with their types. */
  async select(sql: string, params: readonly SqlValue[] = [], settings?: Settings): Promise<TsvResult> {
    const query = bindParams(sql, params);
    return this.serial(async () => {
      try {
        const result = await this.client.query({ query, format: 'TabSeparatedWithNamesAndTypes', clickhouse_settings: this.settingsOf(settings) as never });
        return parseTsv(await result.text());
      } catch (err) {
        throw this.error(err, query);
      }
    });
  }

  /** `INSERT INTO table (columns) FORMAT TabSeparated` fed by the lines (each ending in \n). */
  async insertTsv(table: string, columns: readonly string[], lines: Iterable<string>, settings?: Settings): Promise<void> {
    await this.insertStream(table, columns, 'TabSeparated', Readable.from(lines), settings);
  }

  /** `INSERT INTO table (columns) FORMAT format`, the body read from `body` (one INSERT: one part per partition). */
  async insertStream(table: string, columns: readonly string[], format: 'TabSeparated' | 'CSV', body: Readable, settings?: Settings): Promise<void> {
    const query = `INSERT INTO ${table} (${columns.join(', ')}) FORMAT ${format}`;
    await this.serial(async () => {
      try {
        const result = await this.client.exec({ query, values: body, clickhouse_settings: this.settingsOf(settings) as never });
        result.stream.resume();
        await new Promise<void>((resolve, reject) => {
          result.stream.on('end', resolve);
          result.stream.on('error', reject);
        });
      } catch (err) {
        throw this.error(err, query);
      }
    });
  }

  private error(err: unknown, sql: string): Error {
    const e = err as { code?: string; message?: string };
    const message = String(e.message ?? err).replace(/, e\.what\(\) = DB::Exception\s*$/, '');
    if (process.env.TENURE_DEBUG_SQL) process.stderr.write(`-- failed on ${this.target.redacted} (${this.where}): ${message}\n${sql}\n`);
    const code = e.code ?? /^Code: (\d+)/.exec(message)?.[1] ?? '';
    const sys = (err as { code?: string }).code;
    if (sys === 'ECONNREFUSED' || sys === 'ECONNRESET' || sys === 'ETIMEDOUT' || sys === 'ENOTFOUND' || sys === 'EAI_AGAIN') {
      return new StoreError('STORE_UNREADABLE', `cannot reach the ClickHouse server ${this.where} of ${this.target.redacted}: ${sys}`);
    }
    if (SHARD_DOWN.has(code)) {
      return new StoreError('STORE_UNREADABLE', `a shard of the ClickHouse store ${this.target.redacted} does not answer (no partial result is given): ${message}`);
    }
    if (code === '81') return new StoreError('STORE_NOT_FOUND', `the ClickHouse store ${this.target.redacted} has no database ${this.target.database} on ${this.where} (no Tenure data has been loaded there)`);
    if (code === '159') return new StoreError('STATEMENT_TIMEOUT', `a statement on ${this.target.redacted} ran longer than its time limit and was cancelled`);
    if (code === '164') return new StoreError('READ_ONLY', `${this.target.redacted} was opened read-only`);
    if (NOT_PORTED.has(code)) {
      return new StoreError('UNSUPPORTED_ENGINE', `this command does not run on the ClickHouse store yet (ClickHouse ${this.where} refused its SQL: ${message})`);
    }
    return new Error(`ClickHouse ${this.where}: ${message}`);
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.client.close().catch(() => undefined);
  }
}
