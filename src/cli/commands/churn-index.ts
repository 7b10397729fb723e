import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { compareChurnIndex, computeChurnIndex, type ScopeChurnIndex, type SurveyRow } from '../../domain/churn-index.ts';
import { parseSurveysCsv, type RowProblem } from '../../domain/surveys-csv.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { observedChurnByScope, type ObservedChurn } from '../../app/segments/observed-churn.ts';
import { printJson, printRows, resolveFormat, withFormat, type Cell, type FormatOptions } from '../output.ts';

interface ChurnIndexOptions extends FormatOptions {
  surveys?: string;
  previous?: string;
  db?: string;
}

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
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = (/\.gz$/i.test(path) ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new TenureError('BAD_INPUT', `cannot read: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  const parsed = parseSurveysCsv(text);
  if (parsed.headerErrors.length > 0) {
    throw new TenureError('SCHEMA', `not a surveys file: ${parsed.headerErrors.join('; ')}`, { file: path, line: 1 });
  }
  return { source: path, rows: parsed.rows, read: parsed.read, rejected: parsed.rejected };
}

async function loadSurveysFromStore(db: string | undefined): Promise<LoadedSurveys> {
  const target = db && db.length > 0 ? db : process.env.TENURE_DB || DEFAULT_DB;
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; import a data set with surveys first, or give --surveys FILE`);
  }
  const store = await openStore(target);
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
    process.stderr.write(`tenure: ${where}: ${p.reason}${p.value !== '' ? ` (value "${p.value}")` : ''}\n`);
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
        share: `${round(r.share * 100, 1)}%`,
        rating: r.rating,
        importance: r.importance,
        availability: r.availability,
        ...(changes ? { index_change: change?.change == null ? null : round(change.change, 2), pressure_change: rc?.change == null ? null : round(rc.change, 4) } : {}),
      });
    }
  }
  const columns = ['scope', 'index', 'reason', 'pressure', 'contribution', 'share', 'rating', 'importance', 'availability'];
  if (changes) columns.push('index_change', 'pressure_change');
  printRows(columns, rows, format);
  if (format === 'table' && observed) {
    process.stdout.write(`\nindex vs observed churn ${observed.from}..${observed.to} (exits by reason group; share = of the scope's voluntary exits)\n${observed.definition}\n\n`);
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
  const target = opts.db && opts.db.length > 0 ? opts.db : process.env.TENURE_DB || DEFAULT_DB;
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) return null;
  const store = await openStore(target);
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
