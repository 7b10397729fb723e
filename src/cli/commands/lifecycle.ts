import type { Command } from 'commander';

/** Options given before the subcommand name (`lifecycle --db X transitions`) reach it too. */
const merged = <T>(cmd: Command): T => cmd.optsWithGlobals<T & Record<string, unknown>>();
import { lifecycleSnapshot } from '../../app/lifecycle/lifecycle.ts';
import { lifecycleTransitions, refreshStageHistory } from '../../app/lifecycle/transitions.ts';
import { STAGES } from '../../domain/lifecycle/stages.ts';
import { monthRange } from '../../domain/month.ts';
import { printJson, printRows, resolveFormat, withFormat, type Cell, type FormatOptions } from '../output.ts';
import { withStore } from '../../app/lifecycle/context.ts';

interface LifecycleOptions extends FormatOptions {
  asOf?: string;
  db?: string;
  rules?: string;
}

interface TransitionOptions extends FormatOptions {
  from?: string;
  to?: string;
  db?: string;
  rules?: string;
}

const pct = (x: number | null) => (x === null ? null : `${(x * 100).toFixed(1)}%`);

async function snapshot(opts: LifecycleOptions): Promise<void> {
  const format = resolveFormat(opts);
  const report = await withStore(opts.db, (store) => lifecycleSnapshot(store, { asOf: opts.asOf, rulesFile: opts.rules }));
  if (format === 'json') {
    printJson(report);
    return;
  }
  if (format === 'table') process.stdout.write(`lifecycle as of ${report.as_of}: ${report.active_customers} live accounts, ${report.stages.E} exited\n\n`);
  printRows(
    ['stage', 'name', 'zh', 'relationship', 'customers', 'share', 'active_share', 'arpu', 'margin', 'arpu_last3'],
    report.by_stage.map((s) => ({ ...s, relationship: `${s.relationship} ${s.relationship_zh}`, share: pct(s.share), active_share: pct(s.active_share) })),
    format,
  );
  if (format === 'table') {
    process.stdout.write('\nrules that placed the customers:\n');
    printRows(['id', 'stage', 'customers'], report.rules, format);
  }
}

async function transitions(opts: TransitionOptions): Promise<void> {
  const format = resolveFormat(opts);
  const t = await withStore(opts.db, (store) => lifecycleTransitions(store, { from: opts.from, to: opts.to, rulesFile: opts.rules }));
  if (format === 'json') {
    printJson(t);
    return;
  }
  const rows: Record<string, Cell>[] = STAGES.map((from, i) => {
    const row: Record<string, Cell> = { from };
    STAGES.forEach((to, j) => {
      row[to] = t.counts[i]?.[j] ?? 0;
      row[`p_${to}`] = t.probabilities[i]?.[j] ?? 0;
    });
    const time = t.time_in_stage[i];
    row.months = time?.months ?? 0;
    row.spells = time?.spells ?? 0;
    row.mean_spell_months = time?.mean_spell_months ?? 0;
    return row;
  });
  if (format === 'table') process.stdout.write(`stage transitions ${t.from}..${t.to} (rows: stage in a month, columns: stage the next month)\n\n`);
  printRows(['from', ...STAGES, ...STAGES.map((s) => `p_${s}`), 'months', 'spells', 'mean_spell_months'], rows, format);
}

async function patterns(opts: TransitionOptions): Promise<void> {
  const format = resolveFormat(opts);
  const t = await withStore(opts.db, (store) => lifecycleTransitions(store, { from: opts.from, to: opts.to, rulesFile: opts.rules }));
  if (format === 'json') {
    printJson({ from: t.from, to: t.to, long_stability_months: t.long_stability_months, exits: t.exits, patterns: t.patterns, unassigned: t.unassigned });
    return;
  }
  if (format === 'table') {
    const observed = monthRange(t.from, t.to).length;
    const short =
      observed <= t.long_stability_months
        ? `; patterns are classified from the ${observed} month(s) observed, so IV needs a range of more than ${t.long_stability_months} months: give --from (its months are staged once, then kept)`
        : '';
    process.stdout.write(`relationships that ended ${t.from}..${t.to}, by pattern (III/IV: months in C before exit < or ≥ ${t.long_stability_months}${short})\n\n`);
  }
  // The unassigned exits as rows of their own, so the customers column adds up to the range's exits.
  const unassigned = t.unassigned.reasons.map((r) => ({ pattern: 'unassigned', zh: '未归类', en: r.description, customers: r.customers, observed_from_join: null }));
  printRows(['pattern', 'zh', 'en', 'customers', 'observed_from_join'], [...t.patterns, ...unassigned], format);
  if (format === 'table') process.stdout.write(`\nexits ${t.from}..${t.to}: ${t.exits} = ${t.exits - t.unassigned.customers} classified + ${t.unassigned.customers} unassigned\n`);
}

async function refresh(opts: TransitionOptions & { force?: boolean }): Promise<void> {
  const format = resolveFormat(opts);
  const r = await withStore(opts.db, (store) => refreshStageHistory(store, { from: opts.from, to: opts.to, rulesFile: opts.rules, force: opts.force === true }));
  if (format === 'json') {
    printJson(r);
    return;
  }
  printRows(['from', 'to', 'staged'], [{ from: r.from, to: r.to, staged: r.staged.join(' ') }], format);
}

export function register(program: Command): void {
  const lifecycle = withFormat(
    program
      .command('lifecycle')
      .description('lifecycle stages A–E per customer (rules as data), counts, shares, ARPU and margin per stage')
      .option('--as-of <month>', 'month to stage (YYYY-MM; default: the latest month with data)')
      .option('--rules <file>', 'lifecycle rule file (JSON; default: the built-in rules, src/domain/lifecycle/default-rules.json)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(snapshot);
  withFormat(
    lifecycle
      .command('transitions')
      .description('stage transition matrix and time spent per stage over a month range')
      .option('--from <month>', 'first month (default: the month before --to)')
      .option('--to <month>', 'last month (default: the latest month with data)')
      .option('--rules <file>', 'lifecycle rule file (JSON)')
      .option('--db <path>', 'store'),
  ).action((_opts: TransitionOptions, cmd: Command) => transitions(merged<TransitionOptions>(cmd)));
  withFormat(
    lifecycle
      .command('patterns')
      .description('relationship patterns I–IV (CRM textbook) of the relationships that ended in a month range')
      .option('--from <month>', 'first month (default: the month before --to)')
      .option('--to <month>', 'last month (default: the latest month with data)')
      .option('--rules <file>', 'lifecycle rule file (JSON)')
      .option('--db <path>', 'store'),
  ).action((_opts: TransitionOptions, cmd: Command) => patterns(merged<TransitionOptions>(cmd)));
  withFormat(
    lifecycle
      .command('refresh')
      .description('stage every customer for each month of a range and keep the result (the stage history the other views read); run after an import')
      .option('--from <month>', 'first month (default: 11 months before --to)')
      .option('--to <month>', 'last month (default: the latest month with data)')
      .option('--force', 'restage months that look current')
      .option('--rules <file>', 'lifecycle rule file (JSON)')
      .option('--db <path>', 'store'),
  ).action((_opts: TransitionOptions, cmd: Command) => refresh(merged<TransitionOptions & { force?: boolean }>(cmd)));
}
