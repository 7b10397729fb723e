/**
 * Segments' value tiers: the value at stake of every month of the range (the end of each month
 * before), as a UNION ALL of valueAtStakeSql per month (what `tenure segments` ran before) and
 * as valuesAtStakeSql in one pass (what it runs now), each cut into the tiers' quantiles as the
 * segments query cuts them. Alternately in one process, on one store, so both see the same
 * load; the cut values must be equal.
 *
 *   npx tsx bench/segments-tiers.ts --db bench/out/analytics-1000000x24-s7-mixed.duckdb [--months 3] [--runs 2]
 *   npx tsx bench/segments-tiers.ts --db postgres://…/db
 *
 * Prints a table (median wall seconds and the process's CPU seconds: DuckDB's threads are in
 * it, a PostgreSQL server's work is not) and writes bench/out/segments-tiers.json with the load
 * before and after. The months are the last `--months` of the data, as `tenure segments`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/open.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../src/app/value/customer-value.ts';
import { tierCutsSql, valueAtStakeSql, valuesAtStakeSql } from '../src/app/value/value-snapshot.ts';
import { dataSpan } from '../src/app/data-span.ts';
import { addMonths, formatMonth, parseMonth } from '../src/domain/month.ts';
import { toTable } from '../src/cli/output.ts';

const { values: args } = parseArgs({ options: { db: { type: 'string' }, months: { type: 'string', default: '3' }, runs: { type: 'string', default: '2' } } });
if (!args.db) {
  process.stderr.write('bench/segments-tiers: --db FILE|URL is needed\n');
  process.exit(2);
}
const runs = Number(args.runs);
const load = () => loadavg().map((x) => Number(x.toFixed(2)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const store = await openStore(args.db, { access: 'read-only' });
try {
  const span = await dataSpan(store);
  const last = parseMonth(span.last);
  const asOfs = Array.from({ length: Number(args.months) }, (_, i) => addMonths(formatMonth(last - Number(args.months) + 1 + i), -1));
  const sbg = await baseSbg(store);
  const perMonth = asOfs.map((m, k) => `SELECT ${k} AS k, customer_id, current_value FROM (${valueAtStakeSql(m, DEFAULT_VALUE_PARAMETERS, sbg)}) AS v`).join(' UNION ALL ');
  const onePass = valuesAtStakeSql(asOfs, DEFAULT_VALUE_PARAMETERS, sbg);
  const cut = (sql: string) => `SELECT k, count(*) AS n, ${tierCutsSql(store.dialect, 'current_value')} AS qs FROM (${sql}) AS t GROUP BY k ORDER BY k`;
  const loadBefore = load();
  const timings: Record<string, { wall: number[]; cpu: number[]; out: string }> = { per_month_union: { wall: [], cpu: [], out: '' }, one_pass: { wall: [], cpu: [], out: '' } };
  for (let i = 0; i < runs; i++) {
    for (const [name, sql] of [['per_month_union', perMonth], ['one_pass', onePass]] as const) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const rows = await store.query(cut(sql));
      const c = process.cpuUsage(c0);
      const t = timings[name] as { wall: number[]; cpu: number[]; out: string };
      t.wall.push((performance.now() - t0) / 1000);
      t.cpu.push((c.user + c.system) / 1e6);
      t.out = JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    }
  }
  const same = timings.per_month_union?.out === timings.one_pass?.out;
  const rows = Object.entries(timings).map(([sql, t]) => ({ sql, wall_s: Number(median(t.wall).toFixed(2)), process_cpu_s: Number(median(t.cpu).toFixed(2)) }));
  const summary = { store: store.location, engine: store.engine, as_of_months: asOfs, runs, same_cuts: same, load_before: loadBefore, load_after: load(), results: rows };
  process.stdout.write(`${toTable(['sql', 'wall_s', 'process_cpu_s'], rows)}\n\nsame cuts: ${same ? 'yes' : 'NO'}; as of ${asOfs.join(', ')}; load before ${loadBefore.join(' ')}, after ${summary.load_after.join(' ')}\n`);
  const out = resolve('bench/out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'segments-tiers.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!same) process.exitCode = 1;
} finally {
  await store.close();
}
