/**
 * Does `tenure campaign evaluate` find the effect that was planted? Synthetic operators with
 * randomized retention campaigns whose per-member effect is known (domain/campaigns/simulate.ts:
 * persuadables, sure things, lost causes, sleeping dogs; reach below 100 %; a strong, a weak and
 * a null offer) go through the real import and the real evaluation, and each offer arm's 95 %
 * uplift interval is checked against the planted effect (the mean over the arm's members of
 * churn without minus churn with the offer, exact by common random numbers).
 *
 * Peer, same arms: the textbook Wald interval for a difference of proportions,
 * d ± z·√(p1(1−p1)/n1 + p2(1−p2)/n2).
 *
 *   npx tsx bench/campaign-coverage.ts [--seeds 1..10] [--customers 20000] [--campaigns 8] [--members 1500]
 *
 * Prints a table and writes bench/out/campaign-coverage.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCampaigns } from '../src/app/campaigns/evaluate.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { toTable } from '../src/cli/output.ts';
import { DEFAULT_OFFERS, simulateCampaigns } from '../src/domain/campaigns/simulate.ts';
import { zForLevel } from '../src/domain/survival/normal.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { seedList } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1..10' },
    customers: { type: 'string', default: '20000' },
    campaigns: { type: 'string', default: '8' },
    members: { type: 'string', default: '1500' },
  },
});
const seeds = seedList(args.seeds);

interface ArmCheck {
  seed: number;
  campaign: string;
  arm: string;
  members: number;
  planted: number;
  measured: number;
  newcombe: readonly [number, number];
  wald: readonly [number, number];
}

const z = zForLevel(0.95);
const checks: ArmCheck[] = [];
const work = mkdtempSync(join(tmpdir(), 'tenure-bench-campaigns-'));
const started = Date.now();
try {
  for (const seed of seeds) {
    const sim = simulateCampaigns({
      seed,
      customers: Number(args.customers),
      endMonth: '2025-12',
      months: 12,
      campaigns: Number(args.campaigns),
      membersPerCampaign: Number(args.members),
      horizonMonths: 3,
      controlShare: 0.25,
      offers: DEFAULT_OFFERS,
      reach: 0.7,
      contamination: 0.02,
    });
    const dir = join(work, `seed-${seed}`);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(sim.files)) writeFileSync(join(dir, `${name}.csv`), text);
    const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
    try {
      const imported = await importDataset(store, dir, { prepareAnalytics: false });
      if (imported.rejected > 0) throw new Error(`seed ${seed}: ${imported.rejected} rows rejected`);
      const report = await evaluateCampaigns(store);
      for (const c of report.campaigns) {
        if (c.status !== 'complete') throw new Error(`${c.campaignId} is open`);
        const control = c.arms.find((a) => a.arm === 'control');
        for (const a of c.arms) {
          if (a.arm === 'control' || !control || a.uplift === null || a.upliftCi === null) continue;
          const truth = sim.planted.find((p) => p.campaignId === c.campaignId && p.arm === a.arm);
          if (!truth || truth.members !== a.members) throw new Error(`${c.campaignId}/${a.arm}: members ${a.members} vs planted ${truth?.members}`);
          const p1 = control.churnRate as number;
          const p2 = a.churnRate as number;
          const se = Math.sqrt((p1 * (1 - p1)) / control.members + (p2 * (1 - p2)) / a.members);
          checks.push({ seed, campaign: c.campaignId, arm: a.arm, members: a.members, planted: truth.plantedUplift, measured: a.uplift, newcombe: a.upliftCi, wald: [a.uplift - z * se, a.uplift + z * se] });
        }
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const covers = (ci: readonly [number, number], x: number) => ci[0] <= x && x <= ci[1];
function summary(label: string, list: ArmCheck[]) {
  const n = list.length;
  const errors = list.map((c) => c.measured - c.planted);
  const mean = errors.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return {
    arms: label,
    n,
    newcombe_coverage: list.filter((c) => covers(c.newcombe, c.planted)).length / n,
    wald_coverage: list.filter((c) => covers(c.wald, c.planted)).length / n,
    mean_planted: list.reduce((a, c) => a + c.planted, 0) / n,
    mean_error: mean,
    se_of_mean_error: sd / Math.sqrt(n),
  };
}
const rows = [summary('all', checks), ...DEFAULT_OFFERS.map((o) => summary(o.offerId, checks.filter((c) => c.arm === o.offerId)))];
const fmt = (x: number, d = 4) => x.toFixed(d);
process.stdout.write(
  toTable(
    ['arms', 'n', 'newcombe_coverage', 'wald_coverage', 'mean_planted', 'mean_error', 'se_of_mean_error'],
    rows.map((r) => ({ ...r, newcombe_coverage: fmt(r.newcombe_coverage, 3), wald_coverage: fmt(r.wald_coverage, 3), mean_planted: fmt(r.mean_planted), mean_error: fmt(r.mean_error), se_of_mean_error: fmt(r.se_of_mean_error) })),
  ),
);
const all = rows[0] as ReturnType<typeof summary>;
process.stdout.write(
  `\n${all.n} offer arms over ${seeds.length} operators in ${((Date.now() - started) / 1000).toFixed(1)} s: Newcombe covers the planted effect in ${(100 * all.newcombe_coverage).toFixed(1)} % (target ≥ 93 %), Wald in ${(100 * all.wald_coverage).toFixed(1)} %; ` +
    `mean error ${fmt(all.mean_error)} = ${(all.mean_error / all.se_of_mean_error).toFixed(2)} standard errors (target within ±2)\n`,
);
const out = resolve(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'campaign-coverage.json'), JSON.stringify({ args, seeds, summary: rows, arms: checks }, null, 2) + '\n');
