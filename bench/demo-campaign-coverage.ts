/**
 * Does `tenure campaign evaluate` find the effect the demo operator planted? `tenure demo` writes
 * past randomized retention campaigns whose offers change treated members' hazards (persuadables,
 * sure things, lost causes, sleeping dogs; domain/demo/retention.ts) and simulates every offer
 * member a second time without the offer from the same random numbers, so it knows each arm's
 * planted effect: the mean over the arm's members of churn in the window without the offer minus
 * churn with it. Each seed's operator goes through the real import and the real evaluation, and
 * every offer arm's 95 % uplift interval is checked against its planted effect.
 *
 * Peer, same arms: the textbook Wald interval for a difference of proportions,
 * d ± z·√(p1(1−p1)/n1 + p2(1−p2)/n2).
 *
 *   npx tsx bench/demo-campaign-coverage.ts [--seeds 1..30] [--customers 4000] [--months 24] [--profile mixed]
 *
 * Interactions and surveys are not imported (the evaluation reads neither). Prints a table and
 * writes bench/out/demo-campaign-coverage.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCampaigns } from '../src/app/campaigns/evaluate.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { toTable } from '../src/cli/output.ts';
import { type Profile } from '../src/domain/demo/index.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { zForLevel } from '../src/domain/survival/normal.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { seedList } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1..30' },
    customers: { type: 'string', default: '4000' },
    months: { type: 'string', default: '24' },
    profile: { type: 'string', default: 'mixed' },
  },
});
const seeds = seedList(args.seeds);

interface ArmCheck {
  seed: number;
  campaign: string;
  arm: string;
  members: number;
  control_members: number;
  planted: number;
  measured: number;
  newcombe: readonly [number, number];
  wald: readonly [number, number];
}

const z = zForLevel(0.95);
const checks: ArmCheck[] = [];
const work = mkdtempSync(join(tmpdir(), 'tenure-bench-demo-campaigns-'));
const started = Date.now();
let generating = 0;
let importing = 0;
let evaluating = 0;
try {
  for (const seed of seeds) {
    const dir = join(work, `seed-${seed}`);
    let t = Date.now();
    const demo = await writeDemoDataset({ outDir: dir, customers: Number(args.customers), months: Number(args.months), seed, profile: args.profile as Profile });
    generating += Date.now() - t;
    for (const unused of ['interactions.csv', 'surveys.csv']) rmSync(join(dir, unused));
    const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
    try {
      t = Date.now();
      const imported = await importDataset(store, dir, { prepareAnalytics: false });
      importing += Date.now() - t;
      if (imported.rejected > 0) throw new Error(`seed ${seed}: ${imported.rejected} rows rejected`);
      t = Date.now();
      const report = await evaluateCampaigns(store);
      evaluating += Date.now() - t;
      for (const c of report.campaigns) {
        if (c.status !== 'complete') throw new Error(`seed ${seed}: ${c.campaignId} is open`);
        const control = c.arms.find((a) => a.arm === 'control');
        for (const a of c.arms) {
          if (a.arm === 'control' || !control || a.uplift === null || a.upliftCi === null) continue;
          const truth = demo.planted.find((p) => p.campaignId === c.campaignId && p.arm === a.arm);
          if (!truth || truth.members !== a.members) throw new Error(`seed ${seed} ${c.campaignId}/${a.arm}: members ${a.members} vs planted ${truth?.members}`);
          const p1 = control.churnRate as number;
          const p2 = a.churnRate as number;
          const se = Math.sqrt((p1 * (1 - p1)) / control.members + (p2 * (1 - p2)) / a.members);
          checks.push({
            seed,
            campaign: c.campaignId,
            arm: a.arm,
            members: a.members,
            control_members: control.members,
            planted: (truth.churnedWithout - truth.churnedWith) / truth.members,
            measured: a.uplift,
            newcombe: a.upliftCi,
            wald: [a.uplift - z * se, a.uplift + z * se],
          });
        }
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`seed ${seed}: ${checks.length} arms so far\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const covers = (ci: readonly [number, number], x: number) => ci[0] <= x && x <= ci[1];
function summary(label: string, list: ArmCheck[]) {
  const n = list.length;
  const errors = list.map((c) => c.measured - c.planted);
  const mean = errors.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return {
    arms: label,
    n,
    mean_members: list.reduce((a, c) => a + c.members, 0) / Math.max(1, n),
    newcombe_coverage: list.filter((c) => covers(c.newcombe, c.planted)).length / n,
    wald_coverage: list.filter((c) => covers(c.wald, c.planted)).length / n,
    mean_planted: list.reduce((a, c) => a + c.planted, 0) / Math.max(1, n),
    mean_error: mean,
    se_of_mean_error: sd / Math.sqrt(Math.max(1, n)),
  };
}
const offers = [...new Set(checks.map((c) => c.arm))].sort();
const rows = [summary('all', checks), ...offers.map((o) => summary(o, checks.filter((c) => c.arm === o)))];
const fmt = (x: number, d = 4) => x.toFixed(d);
process.stdout.write(
  toTable(
    ['arms', 'n', 'mean_members', 'newcombe_coverage', 'wald_coverage', 'mean_planted', 'mean_error', 'se_of_mean_error'],
    rows.map((r) => ({
      ...r,
      mean_members: r.mean_members.toFixed(0),
      newcombe_coverage: fmt(r.newcombe_coverage, 3),
      wald_coverage: fmt(r.wald_coverage, 3),
      mean_planted: fmt(r.mean_planted),
      mean_error: fmt(r.mean_error),
      se_of_mean_error: fmt(r.se_of_mean_error),
    })),
  ),
);
const all = rows[0] as ReturnType<typeof summary>;
const seconds = (ms: number) => (ms / 1000).toFixed(1);
process.stdout.write(
  `\n${all.n} offer arms of the demo generator over ${seeds.length} operators (${args.customers} customers × ${args.months} months, ${args.profile}) in ${seconds(Date.now() - started)} s ` +
    `(generate ${seconds(generating)}, import ${seconds(importing)}, evaluate ${seconds(evaluating)}): Newcombe covers the planted effect in ${(100 * all.newcombe_coverage).toFixed(1)} % (target ≥ 93 %), ` +
    `Wald in ${(100 * all.wald_coverage).toFixed(1)} %; mean error ${fmt(all.mean_error)} = ${(all.mean_error / all.se_of_mean_error).toFixed(2)} standard errors (target within ±2)\n`,
);
const out = resolve(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'demo-campaign-coverage.json'), JSON.stringify({ args, seeds, summary: rows, arms: checks }, null, 2) + '\n');
