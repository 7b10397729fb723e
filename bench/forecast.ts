/**
 * The churn-count forecast against its peer, seasonal naive, on many demo operators: each
 * operator's monthly totals (voluntary + involuntary, from the store's reports) are re-forecast
 * one step ahead for each of the last `--backtest` months from the months before it, and the
 * MAPE of three forecasters is compared on the same months:
 *   - combined: what `tenure forecast churn` uses (domain/forecast/backtest.ts combinedForecast:
 *     the seasonal smoothing and seasonal naive, weighted by their recent errors), per type;
 *   - ets: the seasonal exponential smoothing alone (ets.ts), per type;
 *   - naive: seasonal naive of the total (the peer).
 *
 *   npx tsx bench/forecast.ts [--months 24] [--backtest 6] [--seeds 1,2,3,4,5,6]
 *                             [--customers 5000,20000] [--profiles mixed,cable,mobile]
 *
 * The default seeds are not the demo's (42) nor the tests'. Prints a table and writes
 * bench/out/forecast-<months>m.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { forecastChurnFromStore } from '../src/app/forecast/churn-forecast.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { toTable } from '../src/cli/output.ts';
import { type Profile } from '../src/domain/demo/index.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { backtest, combinedForecaster, etsForecaster } from '../src/domain/forecast/backtest.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    months: { type: 'string', default: '24' },
    backtest: { type: 'string', default: '6' },
    seeds: { type: 'string', default: '1,2,3,4,5,6' },
    customers: { type: 'string', default: '5000,20000' },
    profiles: { type: 'string', default: 'mixed,cable,mobile' },
  },
});
const months = Number(args.months);
const k = Number(args.backtest);
const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);

const ets = etsForecaster(12);
const combined = combinedForecaster(12);

type Row = { profile: string; seed: number; customers: number; combined: number | null; ets: number | null; naive: number | null };
const rows: Row[] = [];
const work = mkdtempSync(join(tmpdir(), 'tenure-bench-forecast-'));
try {
  for (const profile of list(args.profiles)) {
    for (const seed of list(args.seeds).map(Number)) {
      for (const customers of list(args.customers).map(Number)) {
        const dir = join(work, `${profile}-${seed}-${customers}`);
        await writeDemoDataset({ outDir: dir, customers, months, seed, profile: profile as Profile });
        const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
        let history: { voluntary: number; involuntary: number }[];
        try {
          await importDataset(store, dir, { prepareAnalytics: false });
          history = (await forecastChurnFromStore(store, { backtest: k })).history;
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
        const v = history.map((r) => r.voluntary);
        const w = history.map((r) => r.involuntary);
        const total = v.map((x, i) => x + (w[i] as number));
        const perType = (f: (h: readonly number[]) => number) => (h: readonly number[]) => f(v.slice(0, h.length)) + f(w.slice(0, h.length));
        const c = backtest(total, k, perType(combined));
        const e = backtest(total, k, perType(ets));
        rows.push({ profile, seed, customers, combined: c.mape, ets: e.mape, naive: c.naiveMape });
        process.stderr.write(`${profile} seed ${seed} ${customers}: combined ${c.mape?.toFixed(2)} ets ${e.mape?.toFixed(2)} naive ${c.naiveMape?.toFixed(2)}\n`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const mean = (xs: (number | null)[]) => {
  const ok = xs.filter((x): x is number => x !== null);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
};
const beats = (key: 'combined' | 'ets') => rows.filter((r) => r[key] !== null && r.naive !== null && (r[key] as number) < (r.naive as number)).length;
const summary = (['combined', 'ets', 'naive'] as const).map((key) => ({
  forecaster: key === 'naive' ? 'seasonal naive (peer)' : key === 'combined' ? 'combined (tenure forecast churn)' : 'smoothing alone',
  mean_mape: Number((mean(rows.map((r) => r[key])) ?? NaN).toFixed(2)),
  beats_naive: key === 'naive' ? '' : `${beats(key)} / ${rows.length}`,
}));
process.stdout.write(`\nchurn-count forecast, one step ahead over the last ${k} of ${months} months, ${rows.length} demo operators\n\n`);
process.stdout.write(toTable(['forecaster', 'mean_mape', 'beats_naive'], summary) + '\n');
const out = resolve('bench/out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, `forecast-${months}m.json`), JSON.stringify({ months, backtest: k, summary, rows }, null, 2) + '\n');
process.stdout.write(`wrote bench/out/forecast-${months}m.json\n`);
