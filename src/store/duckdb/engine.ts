import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from './node-api.ts';
import type { StoreAccess } from '../port.ts';
import { StoreError } from '../errors.ts';
import type { EngineSettings } from './settings.ts';

/**
 * One locked-down DuckDB instance and its connection (issue 18, item 9):
 * - no extension is installed or loaded automatically, community extensions are off, and with
 *   external access off `INSTALL`/`LOAD` fail too;
 * - `enable_external_access = false` with `allowed_directories` = the temp space and the folders
 *   the command must read (import's data folder): a read command reaches no file but the store.
 *   Both are one-way: SQL cannot turn them back on while the instance runs;
 * - memory, threads and temp space bounded (settings.ts);
 * - a read-only session also sets `lock_configuration`. A writer cannot: the import switches
 *   `preserve_insertion_order` per statement (positions of staged rows vs. parallel inserts),
 *   which a locked configuration refuses; its dangerous settings are the one-way ones above.
 */
export interface EngineSession {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  scratchDirectory(): string;
  close(): void;
}

export interface EngineOptions {
  readonly access: StoreAccess;
  readonly create: boolean;
  readonly readableDirectories: readonly string[];
  readonly settings: EngineSettings;
}

const LOCKED = /Could not set lock on file/i;

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function directory(path: string): string {
  const abs = resolve(path);
  return abs.endsWith(sep) ? abs : abs + sep;
}

/**
 * The store file and its WAL are created 0600 (customer data): DuckDB creates them with the
 * process umask, the WAL at the first write, so a writer keeps the umask at 077 while it is
 * open. Counted, so that stores opened side by side in one process (tests) restore it once.
 */
let writers = 0;
let savedUmask = 0;
function holdPrivateUmask(): () => void {
  if (writers++ === 0) savedUmask = process.umask(0o077);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--writers === 0) process.umask(savedUmask);
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** DuckDB allows many read-only processes or one writer: wait for the other side, within the timeout. */
async function createWithLockWait(path: string, config: Record<string, string>, timeoutMs: number): Promise<DuckDBInstance> {
  const started = Date.now();
  let pause = 50;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, config);
    } catch (err) {
      const message = (err as Error).message;
      if (!LOCKED.test(message)) throw new StoreError('STORE_UNREADABLE', `cannot open DuckDB store ${path}: ${message}`);
      const waited = Date.now() - started;
      if (waited >= timeoutMs) {
        const pid = /\(PID ([0-9]+)\)/.exec(message)?.[1];
        throw new StoreError(
          'STORE_LOCKED',
          `another Tenure process${pid ? ` (PID ${pid})` : ''} holds the store ${path}; waited ${(waited / 1000).toFixed(0)} s ` +
            '(readers share a store, a writer such as import, model train, score or lifecycle refresh needs it alone). ' +
            'Try again when it has finished, or set TENURE_LOCK_TIMEOUT (seconds) to wait longer',
        );
      }
      await sleep(Math.min(pause, timeoutMs - waited));
      pause = Math.min(500, pause * 2);
    }
  }
}

export async function openEngine(path: string, o: EngineOptions): Promise<EngineSession> {
  const memory = path === ':memory:';
  if (!memory && !existsSync(path) && !o.create) {
    throw new StoreError('STORE_NOT_FOUND', `no store at ${path}; check --db, or import a data set first (tenure import DIR --db ${path})`);
  }
  const writer = o.access === 'read-write' && !memory;
  // Per-session folder: readers spill here (DuckDB's temp file names are fixed, so two processes
  // sharing one temp folder would overwrite each other's) and the import stages copies here.
  const base = o.settings.tempDirectory ?? tmpdir();
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const session = mkdtempSync(join(base, 'tenure-'));
  const release = writer ? holdPrivateUmask() : () => {};
  let instance: DuckDBInstance | undefined;
  try {
    // The writer is alone on the store, so it spills next to it as DuckDB does by default (the
    // store's disk has room for the store); readers keep to their own session folder.
    const temp = writer ? (o.settings.tempDirectory ?? `${path}.tmp`) : join(session, 'spill');
    const scratch = join(session, 'work');
    mkdirSync(scratch, { mode: 0o700 });
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      memory_limit: o.settings.memoryLimit,
      threads: String(o.settings.threads),
      temp_directory: temp,
      ...(o.settings.maxTempSize ? { max_temp_directory_size: o.settings.maxTempSize } : {}),
      ...(memory ? {} : { access_mode: o.access === 'read-only' ? 'READ_ONLY' : 'READ_WRITE' }),
    };
    instance = await createWithLockWait(path, config, o.settings.lockTimeoutMs);
    const connection = await instance.connect();
    const allowed = [temp, session, ...o.readableDirectories].map(directory);
    await connection.run(`SET allowed_directories = [${allowed.map(sqlString).join(', ')}]`);
    await connection.run('SET enable_external_access = false');
    if (o.access === 'read-only') await connection.run('SET lock_configuration = true');
    const opened = instance;
    let closed = false;
    return {
      instance: opened,
      connection,
      scratchDirectory: () => scratch,
      close: () => {
        if (closed) return;
        closed = true;
        try {
          connection.closeSync();
          opened.closeSync();
        } finally {
          release();
          rmSync(session, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    instance?.closeSync();
    release();
    rmSync(session, { recursive: true, force: true });
    throw err;
  }
}
