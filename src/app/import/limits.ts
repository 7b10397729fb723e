import { TenureError } from '../errors.ts';
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './scanner.ts';

/**
 * Bounds on the work one input file may cause. The defaults sit far above any real export
 * (the widest contract record is a few hundred bytes; a 50-million-customer operator's two
 * years of usage is about 1.2 billion rows and a few hundred GB of text) and far below what
 * a crafted file needs to hang or exhaust the machine. Each is set by an environment variable,
 * or by ImportOptions.limits for a caller of the library.
 */
export interface ImportLimits extends ScanLimits {
  /** Most decompressed bytes of one .csv.gz (a small file can expand to gigabytes). */
  readonly maxGzipBytes: number;
  /** Most decompressed bytes per compressed byte, checked past the first GZIP_RATIO_FROM bytes. */
  readonly maxGzipRatio: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  ...DEFAULT_SCAN_LIMITS,
  maxGzipBytes: 256 * 2 ** 30,
  // Real CSV exports compress 4–20×; deflate's own ceiling is about 1,032×.
  maxGzipRatio: 200,
};

/** The ratio is judged only once this much is out: a tiny file's header compresses oddly. */
export const GZIP_RATIO_FROM = 64 << 20;

export const LIMIT_ENV: Record<keyof ImportLimits, string> = {
  maxRecordBytes: 'TENURE_IMPORT_MAX_RECORD_BYTES',
  maxFields: 'TENURE_IMPORT_MAX_FIELDS',
  maxRecords: 'TENURE_IMPORT_MAX_ROWS',
  maxGzipBytes: 'TENURE_IMPORT_MAX_GZIP_BYTES',
  maxGzipRatio: 'TENURE_IMPORT_MAX_GZIP_RATIO',
};

/** The limits in force: defaults, then the environment, then explicit overrides. */
export function importLimits(overrides: Partial<ImportLimits> = {}, env: NodeJS.ProcessEnv = process.env): ImportLimits {
  const out: Record<string, number> = { ...DEFAULT_IMPORT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new TenureError('USAGE', `${name} must be a whole number of at least 1, got "${text}"`);
    }
    out[key] = Number(text);
  }
  return { ...(out as unknown as ImportLimits), ...overrides };
}

/** Days stored rejects are kept (older ones are purged at the next import). */
export const DEFAULT_REJECTS_RETENTION_DAYS = 30;
export const RETENTION_ENV = 'TENURE_REJECTS_RETENTION_DAYS';

export function rejectsRetentionDays(explicit?: number | string, env: NodeJS.ProcessEnv = process.env): number {
  const text = explicit ?? env[RETENTION_ENV];
  if (text === undefined || text === '') return DEFAULT_REJECTS_RETENTION_DAYS;
  const n = Number(text);
  if (!/^[0-9]+$/.test(String(text)) || !Number.isSafeInteger(n) || n > 36_500) {
    throw new TenureError('USAGE', `the rejects retention (--rejects-retention-days or ${RETENTION_ENV}) must be a whole number of days from 0 to 36500, got "${text}"`);
  }
  return n;
}
