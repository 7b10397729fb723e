import { availableParallelism, totalmem } from 'node:os';
import { StoreError } from '../errors.ts';

/**
 * The engine's resource limits, from the machine's size unless the operator sets them.
 * DuckDB's own default memory limit is 80 % of RAM: a first import of a million customers
 * then peaked at 13.3 GB resident on a 24 GB machine (issue 18). A sixth of RAM leaves room
 * for the Node side (which holds model inputs and results) and for everything else the
 * machine runs; DuckDB spills to the temp directory beyond it.
 *
 * Each can also be given as a global flag of the CLI (--memory-limit, --threads, --temp-dir).
 *
 *   TENURE_MEMORY_LIMIT   DuckDB memory_limit, e.g. 8GB (default: a sixth of RAM, at least 256 MiB)
 *   TENURE_THREADS        DuckDB threads (default: the cores this process may use)
 *   TENURE_TEMP_DIR       where DuckDB spills (default: next to the store, see duckdb-store.ts)
 *   TENURE_MAX_TEMP_SIZE  cap on the spilled bytes, e.g. 50GB (default: DuckDB's, 90 % of the free disk)
 *   TENURE_LOCK_TIMEOUT   seconds to wait for another process's lock on the store (default 30)
 */
export interface EngineSettings {
  readonly memoryLimit: string;
  readonly threads: number;
  readonly tempDirectory?: string;
  readonly maxTempSize?: string;
  readonly lockTimeoutMs: number;
}

const MIB = 1024 * 1024;
const SIZE = /^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export function defaultMemoryLimit(total = totalmem()): string {
  return `${Math.max(256, Math.floor(total / 6 / MIB))}MiB`;
}

function size(name: string, text: string): string {
  const t = text.trim();
  if (!SIZE.test(t)) throw new StoreError('BAD_SETTING', `${name} must be a size such as 4GB or 512MiB, got "${text}"`);
  return t.replace(/\s+/g, '');
}

function positiveNumber(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!text.trim() || !Number.isFinite(n) || n < 0 || (integer && (!Number.isInteger(n) || n < 1))) {
    throw new StoreError('BAD_SETTING', `${name} must be ${integer ? 'a whole number ≥ 1' : 'a number of seconds ≥ 0'}, got "${text}"`);
  }
  return n;
}

/** The CLI's global flags (--memory-limit, --threads, --temp-dir), which win over the environment. */
let flagOverrides: NodeJS.ProcessEnv = {};

export function setEngineFlags(flags: { memoryLimit?: string; threads?: string; tempDir?: string }): void {
  flagOverrides = {
    ...(flags.memoryLimit === undefined ? {} : { TENURE_MEMORY_LIMIT: flags.memoryLimit }),
    ...(flags.threads === undefined ? {} : { TENURE_THREADS: flags.threads }),
    ...(flags.tempDir === undefined ? {} : { TENURE_TEMP_DIR: flags.tempDir }),
  };
}

/** Settings from the flags, else the environment (empty values count as unset), else the machine's defaults. */
export function engineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const get = (name: string) => {
    const v = flagOverrides[name] ?? env[name];
    return v !== undefined && v.trim() !== '' ? v : undefined;
  };
  const memory = get('TENURE_MEMORY_LIMIT');
  const threads = get('TENURE_THREADS');
  const temp = get('TENURE_TEMP_DIR');
  const maxTemp = get('TENURE_MAX_TEMP_SIZE');
  const lock = get('TENURE_LOCK_TIMEOUT');
  return {
    memoryLimit: memory === undefined ? defaultMemoryLimit() : size('--memory-limit / TENURE_MEMORY_LIMIT', memory),
    threads: threads === undefined ? Math.max(1, availableParallelism()) : positiveNumber('--threads / TENURE_THREADS', threads, true),
    ...(temp === undefined ? {} : { tempDirectory: temp }),
    ...(maxTemp === undefined ? {} : { maxTempSize: size('TENURE_MAX_TEMP_SIZE', maxTemp) }),
    lockTimeoutMs: lock === undefined ? 30_000 : Math.round(positiveNumber('TENURE_LOCK_TIMEOUT', lock, false) * 1000),
  };
}
