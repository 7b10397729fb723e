/**
 * Survival curves over the whole base (issue 11.5): `tenure retention curves` with left
 * truncation (the opening base entering at its tenure when the data starts) against its peer,
 * the curves of joiners only (what the command fitted before), on demo operators; and both
 * against a simulated base whose true survival is known.
 *
 *   npx tsx bench/survival.ts [--customers 20000,200000] [--months 24] [--seed 42] [--profile mixed] [--runs 3]
 *
 * Per demo: accounts in the fit, the longest tenure the curve reaches, accounts at risk at
 * month 24, S(12), S(24), S(60), the median, and the time of each path (median of `runs`, on
 * the imported store). Simulation: monthly hazards by tenure, accounts joined up to 180 months
 * before a 24-month window; largest |Ŝ(t) − S(t)| in Greenwood standard errors over t = 1..180.
 * Prints tables and writes bench/out/survival.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { expand, tenureCounts } from '../src/app/retention/cohorts.ts';
import { retentionCurves } from '../src/app/retention/retention.ts';
import type { Profile } from '../src/domain/demo/index.ts';
import { cumulativeIncidence } from '../src/domain/survival/cumulative-incidence.ts';
import { kaplanMeier, kaplanMeierByGroup, medianSurvival, survivalAt, type KaplanMeierCurve } from '../src/domain/survival/kaplan-meier.ts';
import { seeded } from '../src/domain/test-random.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import type { AnalyticsStore } from '../src/store/port.ts';
import { toTable } from '../src/cli/output.ts';
import { demoDataFolder } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '42' },
    profile: { type: 'string', default: 'mixed' },
    runs: { type: 'string', default: '3' },
  },
});
const runs = Number(args.runs);
const out = resolve('bench/out');
mkdirSync(out, { recursive: true });

/** The previous `retention curves`: joiners only, everyone at risk from their join. */
async function joinersOnly(store: AnalyticsStore) {
  const counts = await tenureCounts(store, 'all', 'joiners');
  const cols = expand(counts.rows);
  const [g] = kaplanMeierByGroup(cols.durations, cols.events, cols.groups);
  cumulativeIncidence(cols.durations, cols.causes);
  return g?.curve as KaplanMeierCurve;
}

async function median<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    value = await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[Math.floor(times.length / 2)] as number), value: value as T };
}

const r4 = (x: number | null | undefined) => (x === null || x === undefined ? null : Number(x.toFixed(4)));
const demoRows: Record<string, unknown>[] = [];
for (const customers of (args.customers ?? '20000').split(',').map(Number)) {
  const o = { customers, months: Number(args.months), seed: Number(args.seed), profile: args.profile as Profile };
  const dir = await demoDataFolder(out, o);
  const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
  try {
    await importDataset(store, dir, { prepareAnalytics: false });
    const old = await median(() => joinersOnly(store));
    const cur = await median(() => retentionCurves(store, 'all'));
    const c = old.value;
    const maxOld = Math.max(...c.times);
    const atRiskOld = (t: number) => {
      for (let k = 0; k < c.times.length; k++) if ((c.times[k] as number) >= t) return c.atRisk[k] as number;
      return 0;
    };
    const g = cur.value.groups[0];
    const s = (t: number) => g?.curve[t - 1]?.survival ?? null;
    demoRows.push(
      {
        demo: `${customers}`,
        curves: 'joiners only (peer)',
        accounts: c.size,
        left_truncated: 0,
        max_tenure: maxOld,
        at_risk_24: atRiskOld(24),
        s_12: r4(survivalAt(c, 12)),
        s_24: r4(maxOld >= 24 ? survivalAt(c, 24) : null),
        s_60: null,
        median_months: medianSurvival(c),
        ms: old.ms,
      },
      {
        demo: `${customers}`,
        curves: 'whole base, left-truncated',
        accounts: cur.value.accounts,
        left_truncated: cur.value.left_truncated,
        max_tenure: g?.curve.length ?? 0,
        at_risk_24: g?.curve[23]?.at_risk ?? 0,
        s_12: s(12),
        s_24: s(24),
        s_60: s(60),
        median_months: g?.median_months ?? null,
        ms: cur.ms,
      },
    );
  } finally {
    await store.close();
  }
}

// Simulation: true S(t) known; the old base joined uniformly over 180 months before the window.
const WINDOW = 24;
const BACK = 180;
const MAX_T = BACK + WINDOW;
const hazard = (t: number) => 0.008 + 0.04 * Math.exp(-(t - 1) / 6) + (t % 24 === 0 ? 0.04 : 0);
const trueS = new Float64Array(MAX_T + 1);
trueS[0] = 1;
for (let t = 1; t <= MAX_T; t++) trueS[t] = (trueS[t - 1] as number) * (1 - hazard(t));
const simRows: Record<string, unknown>[] = [];
for (const seed of [1, 2, 3, 4, 5]) {
  const rnd = seeded(seed);
  const entries: number[] = [];
  const exits: number[] = [];
  const events: number[] = [];
  const joiners: number[] = [];
  const observe = (entry: number, horizon: number) => {
    const u = rnd();
    let t = 1;
    while (t <= MAX_T && u < (trueS[t] as number)) t++;
    if (t <= entry) return;
    entries.push(entry);
    exits.push(Math.min(t, horizon));
    events.push(t <= horizon ? 1 : 0);
  };
  for (let i = 0; i < 60_000; i++) {
    const a = 1 + Math.floor(rnd() * BACK);
    observe(a, a + WINDOW);
  }
  for (let i = 0; i < 6_000; i++) {
    joiners.push(entries.length);
    observe(0, WINDOW - Math.floor(rnd() * WINDOW));
  }
  const worst = (km: KaplanMeierCurve, upTo: number) => {
    let z = 0;
    let at = 0;
    for (let t = 1; t <= upTo; t++) {
      let j = -1;
      for (let k = 0; k < km.times.length && (km.times[k] as number) <= t; k++) j = k;
      if (j < 0) continue;
      const se = Math.sqrt(km.variance[j] as number);
      const e = Math.abs((km.survival[j] as number) - (trueS[t] as number)) / se;
      if (e > z) {
        z = e;
        at = t;
      }
    }
    return { z: Number(z.toFixed(2)), at };
  };
  const lt = kaplanMeier(exits, events, { entries });
  const fromJoin = kaplanMeier(exits, events);
  const onlyJoiners = kaplanMeier(exits, events, { subset: joiners });
  const a = worst(lt, 180);
  const b = worst(fromJoin, 180);
  const c = worst(onlyJoiners, WINDOW);
  simRows.push({
    seed,
    accounts: lt.size,
    left_truncated_max_z: a.z,
    at_t: a.at,
    s_120: r4(survivalAt(lt, 120)),
    true_s_120: r4(trueS[120]),
    old_base_from_join_max_z: b.z,
    joiners_only_max_tenure: Math.max(...onlyJoiners.times),
    joiners_only_max_z_to_24: c.z,
  });
}

process.stdout.write('\nretention curves (--by all) on demo operators: whole base with left truncation vs joiners only\n\n');
process.stdout.write(
  toTable(['demo', 'curves', 'accounts', 'left_truncated', 'max_tenure', 'at_risk_24', 's_12', 's_24', 's_60', 'median_months', 'ms'], demoRows as never) + '\n',
);
process.stdout.write('\nsimulated base, true survival known: largest |Ŝ(t) − S(t)| / se over t = 1..180 (joiners only: t ≤ 24)\n\n');
process.stdout.write(
  toTable(
    ['seed', 'accounts', 'left_truncated_max_z', 'at_t', 's_120', 'true_s_120', 'old_base_from_join_max_z', 'joiners_only_max_tenure', 'joiners_only_max_z_to_24'],
    simRows as never,
  ) + '\n',
);
writeFileSync(join(out, 'survival.json'), JSON.stringify({ args, demo: demoRows, simulation: simRows }, null, 2) + '\n');
process.stdout.write('wrote bench/out/survival.json\n');
