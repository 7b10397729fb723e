import type { Command } from 'commander';

/** Options given before the subcommand name (`lifecycle --db X transitions`) reach it too. */
const merged = <T>(cmd: Command): T => cmd.optsWithGlobals<T & Record<string, unknown>>();
import { lifecycleSnapshot } from '../../app/lifecycle/lifecycle.ts';
import { lifecycleTransitions, refreshStageHistory } from '../../app/lifecycle/transitions.ts';
import { lifecycleJson, localizedPatterns, patternsJson, transitionsJson, unassignedIn } from '../../app/lifecycle/lifecycle-json.ts';
import { STAGES } from '../../domain/lifecycle/stages.ts';
import { monthRange } from '../../domain/month.ts';
import { printJson, printRows, printText, resolveFormat, resolveOutput, withCurrency, withFormat, type Cell, type FormatOptions } from '../output.ts';
import { withStore, withWritableStore } from '../../app/lifecycle/context.ts';
import { warnPartial } from '../partial.ts';

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

const STAGE_MONEY = ['arpu', 'margin', 'arpu_last3'];

async function snapshot(opts: LifecycleOptions): Promise<void> {
  const out = resolveOutput(opts);
  const report = await withStore(opts.db, (store) => lifecycleSnapshot(store, { asOf: opts.asOf, rulesFile: opts.rules }));
  warnPartial(report.partial_coverage);
  const j = lifecycleJson(report, out);
  if (out.format === 'json') {
    printJson(j);
    return;
  }
  if (out.format === 'table') {
    printText(
      out.lang === 'en'
        ? `lifecycle as of ${report.as_of}: ${report.active_customers} live accounts, ${report.stages.E} exited\n\n`
        : `截至 ${report.as_of} 的生命周期：在网 ${report.active_customers} 户，已离网 ${report.stages.E} 户\n\n`,
    );
  }
  printRows(['stage', 'name', 'relationship', 'customers', 'share', 'active_share', 'arpu', 'margin', 'arpu_last3'], j.by_stage, out.format, process.stdout, {
    money: STAGE_MONEY,
    currency: out.currency,
    percent: ['share', 'active_share'],
  });
  if (out.format === 'table') {
    printText(out.lang === 'en' ? '\nrules that placed the customers:\n' : '\n划分客户的规则：\n');
    printRows(['id', 'stage', 'customers'], report.rules, out.format);
  }
}

async function transitions(opts: TransitionOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const t = await withStore(opts.db, (store) => lifecycleTransitions(store, { from: opts.from, to: opts.to, rulesFile: opts.rules }));
  warnPartial(t.partial_coverage);
  if (format === 'json') {
    printJson(transitionsJson(t, out.lang));
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
  if (format === 'table') {
    printText(
      out.lang === 'en'
        ? `stage transitions ${t.from}..${t.to} (rows: stage in a month, columns: stage the next month)\n\n`
        : `阶段迁移 ${t.from}..${t.to}（行：当月阶段，列：次月阶段）\n\n`,
    );
  }
  printRows(['from', ...STAGES, ...STAGES.map((s) => `p_${s}`), 'months', 'spells', 'mean_spell_months'], rows, format);
}

async function patterns(opts: TransitionOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const t = await withStore(opts.db, (store) => lifecycleTransitions(store, { from: opts.from, to: opts.to, rulesFile: opts.rules }));
  warnPartial(t.partial_coverage);
  if (format === 'json') {
    printJson(patternsJson(t, out.lang));
    return;
  }
  // One language: the pattern's name in the output's language, the numeral is the key.
  const shown = localizedPatterns(t.patterns, out.lang);
  if (format === 'table') {
    const observed = monthRange(t.from, t.to).length;
    const tooShort = observed <= t.long_stability_months;
    const long = t.long_stability_months;
    printText(
      out.lang === 'en'
        ? `relationships that ended ${t.from}..${t.to}, by pattern (III/IV: months in C before exit < or ≥ ${long}` +
            `${tooShort ? `; patterns are classified from the ${observed} month(s) observed, so IV needs a range of more than ${long} months: give --from (its months are staged once, then kept)` : ''})\n\n`
        : `${t.from}..${t.to} 结束的客户关系，按模式（III/IV：离网前处于 C 的月数 < 或 ≥ ${long}` +
            `${tooShort ? `；模式按观察到的 ${observed} 个月划分，IV 需要超过 ${long} 个月的区间：请给出 --from（其月份只划分一次，然后保留）` : ''}）\n\n`,
    );
  }
  // The unassigned exits as rows of their own, so the customers column adds up to the range's exits.
  const unassigned = unassignedIn(t.unassigned, out.lang).reasons.map((r) => ({ pattern: 'unassigned', name: r.description, customers: r.customers, observed_from_join: null }));
  printRows(['pattern', 'name', 'customers', 'observed_from_join'], [...shown, ...unassigned], format);
  if (format === 'table') {
    const classified = t.exits - t.unassigned.customers;
    printText(out.lang === 'en' ? `\nexits ${t.from}..${t.to}: ${t.exits} = ${classified} classified + ${t.unassigned.customers} unassigned\n` : `\n${t.from}..${t.to} 离网 ${t.exits} 户 = 已归类 ${classified} + 未归类 ${t.unassigned.customers}\n`);
  }
}

async function refresh(opts: TransitionOptions & { force?: boolean }): Promise<void> {
  const format = resolveFormat(opts);
  const r = await withWritableStore(opts.db, (store) => refreshStageHistory(store, { from: opts.from, to: opts.to, rulesFile: opts.rules, force: opts.force === true }));
  warnPartial(r.partial_coverage);
  if (format === 'json') {
    printJson(r);
    return;
  }
  printRows(['from', 'to', 'staged'], [{ from: r.from, to: r.to, staged: r.staged.join(' ') }], format);
}

export function register(program: Command): void {
  const lifecycle = withCurrency(withFormat(
    program
      .command('lifecycle')
      .description('lifecycle stages A–E per customer (rules as data), counts, shares, ARPU and margin per stage')
      .option('--as-of <month>', "month to stage (YYYY-MM inside the data; default: the data's last billed month)")
      .option('--rules <file>', 'lifecycle rule file (JSON; default: the built-in rules, src/domain/lifecycle/default-rules.json)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(snapshot);
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
