import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { InputFile } from '../import/input-file.ts';
import { importLimits, LIMIT_ENV } from '../import/limits.ts';
import { compareChurnIndex, computeChurnIndex, type ScopeChange, type ScopeChurnIndex, type SurveyRow } from '../../domain/churn-index.ts';
import { parseSurveysCsv, type RowProblem } from '../../domain/surveys-csv.ts';
import { observedChurnByScope, type ObservedChurn } from '../segments/observed-churn.ts';

/**
 * The churn index (流失指数) use case: surveys from a file or the store, the index per scope,
 * its change against earlier surveys, and the JSON document `tenure churn-index --json` prints
 * and the HTTP API sends.
 */

/** Surveys are one row per scope and reason: 64 MiB is far beyond any real file (lower with TENURE_IMPORT_MAX_GZIP_BYTES). */
const SURVEYS_MAX_BYTES = 64 << 20;
const surveysMaxBytes = () => Math.min(SURVEYS_MAX_BYTES, importLimits().maxGzipBytes);

export interface LoadedSurveys {
  readonly source: string;
  readonly rows: SurveyRow[];
  readonly read: number;
  readonly rejected: readonly RowProblem[];
}

/** Reads a surveys CSV (optionally .gz) per the contract; header problems are fatal, row problems are reported. */
export function loadSurveysFile(path: string): LoadedSurveys {
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such file: ${path}`, { file: path });
  if (/\.parquet$/i.test(path)) throw new TenureError('USAGE', 'give --surveys as CSV (Parquet surveys are read by tenure import)', { file: path });
  // A regular file only (a FIFO would block here), read through the descriptor opened; a named
  // symlink is the user's explicit choice on the command line, so it is followed.
  const input = InputFile.open(path, { followSymlinks: true });
  let text: string;
  try {
    const cap = surveysMaxBytes();
    if (input.size > cap) throw new TenureError('BAD_INPUT', `is ${input.size} bytes, more than a surveys file's limit of ${cap} (${LIMIT_ENV.maxGzipBytes})`, { file: path });
    const bytes = readFileSync(input.descriptor());
    // The decompressed size is capped too: a small .gz can expand to gigabytes.
    text = (/\.gz$/i.test(path) ? gunzipSync(bytes, { maxOutputLength: cap }) : bytes).toString('utf8');
  } catch (err) {
    if (err instanceof TenureError) throw err;
    const tooLarge = err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    const reason = tooLarge ? `decompresses to more than ${surveysMaxBytes()} bytes, the surveys limit (${LIMIT_ENV.maxGzipBytes})` : `cannot read: ${err instanceof Error ? err.message : String(err)}`;
    throw new TenureError('BAD_INPUT', reason, { file: path });
  } finally {
    input.close();
  }
  const parsed = parseSurveysCsv(text);
  if (parsed.headerErrors.length > 0) {
    throw new TenureError('SCHEMA', `not a surveys file: ${parsed.headerErrors.join('; ')}`, { file: path, line: 1 });
  }
  return { source: path, rows: parsed.rows, read: parsed.read, rejected: parsed.rejected };
}

/** The store's surveys table (validated at import). */
export async function storeSurveys(store: AnalyticsStore): Promise<LoadedSurveys> {
  const rows = await store.query<{ scope: string; reason: string; rating: number; importance: number; availability: number }>(
    'SELECT scope, reason, rating, importance, availability FROM surveys ORDER BY scope, reason',
  );
  if (rows.length === 0) {
    throw new TenureError('NO_DATA', `the store at ${store.location} has no surveys; import a surveys file or give --surveys FILE`);
  }
  const surveys = rows.map((r) => ({
    scope: String(r.scope),
    reason: String(r.reason),
    rating: Number(r.rating),
    importance: Number(r.importance),
    availability: Number(r.availability),
  }));
  return { source: store.location, rows: surveys, read: surveys.length, rejected: [] };
}

/** Files are validated row by row; the store's rows were validated at import, so a bad one there is bad input. */
export function churnIndexOf(surveys: LoadedSurveys): ScopeChurnIndex[] {
  try {
    return computeChurnIndex(surveys.rows);
  } catch (err) {
    if (err instanceof RangeError) throw new TenureError('BAD_INPUT', `${surveys.source}: ${err.message}`);
    throw err;
  }
}

export const round = (x: number, digits: number) => Number(x.toFixed(digits));

function scopeJson(s: ScopeChurnIndex) {
  return {
    scope: s.scope,
    index: round(s.index, 4),
    reasons: s.reasons.map((r) => ({
      reason: r.reason,
      pressure: round(r.pressure, 6),
      contribution: round(r.contribution, 4),
      share: round(r.share, 4),
      rating: r.rating,
      importance: r.importance,
      availability: r.availability,
    })),
  };
}

export interface ChurnIndexResult {
  readonly current: LoadedSurveys;
  readonly scopes: ScopeChurnIndex[];
  readonly changes: ScopeChange[] | null;
  readonly observed: ObservedChurn | null;
}

/** The index of `current`, its change since `previous`, and the observed churn of the store beside it when one is given. */
export async function churnIndex(current: LoadedSurveys, previous: LoadedSurveys | null, store: AnalyticsStore | null): Promise<ChurnIndexResult> {
  const scopes = churnIndexOf(current);
  const observed = store === null ? null : await observedChurnByScope(store, scopes);
  const changes = previous ? compareChurnIndex(scopes, churnIndexOf(previous)) : null;
  return { current, scopes, changes, observed };
}

/** `tenure churn-index --json` and the API's churn index document. */
export function churnIndexJson(r: ChurnIndexResult) {
  const { current, scopes, changes, observed } = r;
  const rejectedRows = new Set(current.rejected.map((p) => p.line)).size;
  return {
    scopes: scopes.map(scopeJson),
    ...(changes
      ? {
          changes: changes.map((c) => ({
            scope: c.scope,
            index: c.index === null ? null : round(c.index, 4),
            previous_index: c.previousIndex === null ? null : round(c.previousIndex, 4),
            change: c.change === null ? null : round(c.change, 4),
            reasons: c.reasons.map((x) => ({
              reason: x.reason,
              pressure: x.pressure === null ? null : round(x.pressure, 6),
              previous_pressure: x.previousPressure === null ? null : round(x.previousPressure, 6),
              change: x.change === null ? null : round(x.change, 6),
            })),
          })),
        }
      : {}),
    source: current.source,
    rows: { read: current.read, accepted: current.read - rejectedRows, rejected: rejectedRows },
    ...(observed ? { observed } : {}),
  };
}
