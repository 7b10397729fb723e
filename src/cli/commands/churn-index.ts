import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { InputFile } from '../../app/import/input-file.ts';
import { importLimits, LIMIT_ENV } from '../../app/import/limits.ts';
import { compareChurnIndex, computeChurnIndex, type ScopeChurnIndex, type SurveyRow } from '../../domain/churn-index.ts';
import { parseSurveysCsv, type RowProblem } from '../../domain/surveys-csv.ts';
import { openStore, storeTarget } from '../../app/store.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { observedChurnByScope, type ObservedChurn } from '../../app/segments/observed-churn.ts';
import { safeMessage } from '../terminal.ts';
import { printJson, printRows, printText, resolveFormat, resolveLang, withFormat, type Cell, type FormatOptions } from '../output.ts';

interface ChurnIndexOptions extends FormatOptions {
  surveys?: string;
  previous?: string;
  db?: string;
}

/** Surveys are one row per scope and reason: 64 MiB is far beyond any real file (lower with TENURE_IMPORT_MAX_GZIP_BYTES). */
const SURVEYS_MAX_BYTES = 64 << 20;
const surveysMaxBytes = () => Math.min(SURVEYS_MAX_BYTES, importLimits().maxGzipBytes);

interface LoadedSurveys {
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

async function loadSurveysFromStore(db: string | undefined): Promise<LoadedSurveys> {
  const target = storeTarget(db);
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; check --db, import a data set with surveys first (tenure import DIR --db ${target}), or give --surveys FILE`);
  }
  const store = await openStore(target, { access: 'read-only' });
  try {
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
  } finally {
    await store.close();
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

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

function reportProblems(file: string, problems: readonly RowProblem[]): void {
  for (const p of problems) {
    const where = [file, p.line, p.column].filter((x) => x !== '').join(':');
    process.stderr.write(safeMessage(`tenure: ${where}: ${p.reason}${p.value !== '' ? ` (value "${p.value}")` : ''}\n`));
  }
}

/** Files are validated row by row; the store's rows were validated at import, so a bad one there is bad input. */
function indexOf(surveys: LoadedSurveys): ScopeChurnIndex[] {
  try {
    return computeChurnIndex(surveys.rows);
  } catch (err) {
    if (err instanceof RangeError) throw new TenureError('BAD_INPUT', `${surveys.source}: ${err.message}`);
    throw err;
  }
}

async function churnIndex(opts: ChurnIndexOptions): Promise<void> {
  const format = resolveFormat(opts);
  const current = opts.surveys !== undefined ? loadSurveysFile(opts.surveys) : await loadSurveysFromStore(opts.db);
  const previous = opts.previous !== undefined ? loadSurveysFile(opts.previous) : null;
  reportProblems(current.source, current.rejected);
  if (previous) reportProblems(previous.source, previous.rejected);

  const scopes = indexOf(current);
  const observed = await observedFor(opts, scopes);
  const changes = previous ? compareChurnIndex(scopes, indexOf(previous)) : null;
  const rejected = current.rejected.length + (previous?.rejected.length ?? 0);
  if (rejected > 0) process.exitCode = EXIT_DATA_PROBLEMS;

  if (format === 'json') {
    const rejectedRows = new Set(current.rejected.map((p) => p.line)).size;
    printJson({
      scopes: scopes.map(scopeJson),
      ...(changes
        ? {
            changes: changes.map((c) => ({
              scope: c.scope,
              index: c.index === null ? null : round(c.index, 4),
              previous_index: c.previousIndex === null ? null : round(c.previousIndex, 4),
              change: c.change === null ? null : round(c.change, 4),
              reasons: c.reasons.map((r) => ({
                reason: r.reason,
                pressure: r.pressure === null ? null : round(r.pressure, 6),
                previous_pressure: r.previousPressure === null ? null : round(r.previousPressure, 6),
                change: r.change === null ? null : round(r.change, 6),
              })),
            })),
          }
        : {}),
      source: current.source,
      rows: { read: current.read, accepted: current.read - rejectedRows, rejected: rejectedRows },
      ...(observed ? { observed } : {}),
    });
    return;
  }
  const rows: Record<string, Cell>[] = [];
  for (const s of scopes) {
    const change = changes?.find((c) => c.scope === s.scope);
    for (const r of s.reasons) {
      const rc = change?.reasons.find((x) => x.reason === r.reason);
      rows.push({
        scope: s.scope,
        index: round(s.index, 2),
        reason: r.reason,
        pressure: round(r.pressure, 4),
        contribution: round(r.contribution, 2),
        share: round(r.share, 4),
        rating: r.rating,
        importance: r.importance,
        availability: r.availability,
        ...(changes ? { index_change: change?.change == null ? null : round(change.change, 2), pressure_change: rc?.change == null ? null : round(rc.change, 4) } : {}),
      });
    }
  }
  const columns = ['scope', 'index', 'reason', 'pressure', 'contribution', 'share', 'rating', 'importance', 'availability'];
  if (changes) columns.push('index_change', 'pressure_change');
  printRows(columns, rows, format, process.stdout, { percent: ['share'] });
  if (format === 'table' && observed) {
    printText(
      resolveLang(opts) === 'en'
        ? `\nindex vs observed churn ${observed.from}..${observed.to} (exits by reason group; share = of the scope's voluntary exits)\n${observed.definition}\n\n`
        : `\n流失指数与实际流失对照 ${observed.from}..${observed.to}（按原因组的离网数；占比 = 占该范围主动离网的比例）\n\n`,
    );
    printRows(
      ['scope', 'index', 'window_churn_rate', 'reason', 'group', 'index_share', 'observed_exits', 'observed_share'],
      observed.scopes.flatMap((o) =>
        o.reasons.map((r) => ({ scope: o.scope, index: round(o.index, 2), window_churn_rate: o.window_churn_rate, reason: r.reason, group: r.group, index_share: r.index_share, observed_exits: r.observed_exits, observed_share: r.observed_share })),
      ),
      format,
    );
  }
}

/** Observed churn from the store next to the index: when the surveys come from the store, or --db is given. */
async function observedFor(opts: ChurnIndexOptions, scopes: readonly ScopeChurnIndex[]): Promise<ObservedChurn | null> {
  if (opts.surveys !== undefined && opts.db === undefined) return null;
  const target = storeTarget(opts.db);
  // Only the default store may be absent here; a --db naming no file is a mistake to report.
  if (opts.db === undefined && !/^postgres(ql)?:\/\//.test(target) && !existsSync(target)) return null;
  const store = await openStore(target, { access: 'read-only' });
  try {
    return await observedChurnByScope(store, scopes);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  withFormat(
    program
      .command('churn-index')
      .description(
        'churn index (流失指数) per scope from surveys: pressure per reason = (10 − rating) × importance × ' +
          'availability / 1000, index = importance-weighted mean pressure × 100',
      )
      .option('--surveys <file>', 'surveys CSV in the data-contract format (default: the store\'s surveys table)')
      .option('--previous <file>', 'an earlier surveys CSV: also report how the index and each reason moved since')
      .option('--db <path>', 'store to read surveys from when --surveys is not given; the index is also set against the store\'s observed churn by reason group and region'),
  ).action(churnIndex);
}
