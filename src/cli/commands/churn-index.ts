import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { churnIndex, churnIndexJson, loadSurveysFile, round, storeSurveys, type LoadedSurveys } from '../../app/churn-index/churn-index.ts';
import type { RowProblem } from '../../domain/surveys-csv.ts';
import { openStore, storeTarget, type AnalyticsStore } from '../../app/store.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { safeMessage } from '../terminal.ts';
import { printJson, printRows, printText, resolveFormat, resolveLang, withFormat, type Cell, type FormatOptions } from '../output.ts';

interface ChurnIndexOptions extends FormatOptions {
  surveys?: string;
  previous?: string;
  db?: string;
}

async function loadSurveysFromStore(db: string | undefined): Promise<LoadedSurveys> {
  const target = storeTarget(db);
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; check --db, import a data set with surveys first (tenure import DIR --db ${target}), or give --surveys FILE`);
  }
  const store = await openStore(target, { access: 'read-only' });
  try {
    return await storeSurveys(store);
  } finally {
    await store.close();
  }
}

function reportProblems(file: string, problems: readonly RowProblem[]): void {
  for (const p of problems) {
    const where = [file, p.line, p.column].filter((x) => x !== '').join(':');
    process.stderr.write(safeMessage(`tenure: ${where}: ${p.reason}${p.value !== '' ? ` (value "${p.value}")` : ''}\n`));
  }
}

async function run(opts: ChurnIndexOptions): Promise<void> {
  const format = resolveFormat(opts);
  const current = opts.surveys !== undefined ? loadSurveysFile(opts.surveys) : await loadSurveysFromStore(opts.db);
  const previous = opts.previous !== undefined ? loadSurveysFile(opts.previous) : null;
  reportProblems(current.source, current.rejected);
  if (previous) reportProblems(previous.source, previous.rejected);

  const r = await withObservedStore(opts, (store) => churnIndex(current, previous, store));
  const { scopes, changes, observed } = r;
  const rejected = current.rejected.length + (previous?.rejected.length ?? 0);
  if (rejected > 0) process.exitCode = EXIT_DATA_PROBLEMS;

  if (format === 'json') {
    printJson(churnIndexJson(r));
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
async function withObservedStore<T>(opts: ChurnIndexOptions, fn: (store: AnalyticsStore | null) => Promise<T>): Promise<T> {
  if (opts.surveys !== undefined && opts.db === undefined) return fn(null);
  const target = storeTarget(opts.db);
  // Only the default store may be absent here; a --db naming no file is a mistake to report.
  if (opts.db === undefined && !/^postgres(ql)?:\/\//.test(target) && !existsSync(target)) return fn(null);
  const store = await openStore(target, { access: 'read-only' });
  try {
    return await fn(store);
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
  ).action(run);
}
