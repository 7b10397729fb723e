import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DEFAULTS } from '../domain/demo/index.ts';
import { writeDemoDataset } from './demo/write-dataset.ts';
import { importDataset, type ImportReport } from './import/import-dataset.ts';
import { churnReasons, churnRegions, churnTotals } from './reports/index.ts';
import { scoreCustomers, type ScoreRun } from './churn-model/score.ts';
import { trainChurnModel, type TrainedChurnModel } from './churn-model/train.ts';
import { TenureError } from './errors.ts';
import { evaluateCampaigns, hasCampaigns, type CampaignEvaluationReport } from './campaigns/evaluate.ts';
import type { AnalyticsStore } from '../store/port.ts';
import { dataSpan } from './data-span.ts';
import { monthRange } from '../domain/month.ts';
import { earnPoints } from './points/earn.ts';
import { expirePoints, ledgerSummary, type LedgerSummary } from './points/ledger.ts';
import { loadPointsRules } from './points/rules-file.ts';

/**
 * The main job behind `npm start` / `tenure start`: bring data into the store and produce the
 * churn diagnosis. With no data given it generates the demo operator first, so a fresh clone
 * shows the whole product at once. Later steps (model, console) join this same job.
 */
export interface MainJobOptions {
  /** An operator export in the data contract; the demo operator when absent. */
  readonly dataDir?: string;
  readonly demoDir?: string;
  readonly log?: (line: string) => void;
  /** Language of the reason labels and the score reasons (default zh). */
  readonly lang?: 'zh' | 'en';
}

export interface MainJobResult {
  readonly dataDir: string;
  readonly generated: boolean;
  readonly imported: ImportReport;
  readonly totals: Awaited<ReturnType<typeof churnTotals>>;
  readonly reasons: Awaited<ReturnType<typeof churnReasons>>;
  readonly regions: Awaited<ReturnType<typeof churnRegions>>;
  /** Absent when the data is too short or too uniform to learn churn from (the reason is logged). */
  readonly model?: TrainedChurnModel;
  readonly scores?: ScoreRun;
  /** The data's past campaigns against their control groups (absent when it has none). */
  readonly campaigns?: CampaignEvaluationReport;
  /** The loyalty ledger after the monthly earning runs and expiry to the data's last day (absent when the data has no points). */
  readonly points?: LedgerSummary;
}

/**
 * The loyalty programme over the data's months: the monthly earning run for every month (each
 * posts only what it has not posted, so a second start adds nothing), then expiry as of the last
 * month's last day. Runs when the data has points transactions or the operator set points rules.
 */
async function runPoints(store: AnalyticsStore, log: (line: string) => void): Promise<LedgerSummary | undefined> {
  const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM points_transactions LIMIT 1) AS t');
  if (Number(row?.n ?? 0) === 0 && !process.env.TENURE_POINTS_RULES) return undefined;
  const rules = loadPointsRules();
  const span = await dataSpan(store);
  let entries = 0;
  for (const month of monthRange(span.first, span.last)) entries += (await earnPoints(store, month, rules)).entries;
  const [y, m] = span.last.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const expired = await expirePoints(store, lastDay);
  log(`loyalty points: ${entries} entries earned by the rules over ${span.first}..${span.last}, ${expired.lots} lots expired by ${lastDay}`);
  return ledgerSummary(store, lastDay);
}

/** The demo renames each file into place only once it is complete, so the required files present mean a usable set. */
function demoPresent(dir: string): boolean {
  return ['customers.csv', 'monthly_usage.csv', 'churn_events.csv'].every((f) => existsSync(join(dir, f)));
}

export async function runMainJob(store: AnalyticsStore, options: MainJobOptions = {}): Promise<MainJobResult> {
  const log = options.log ?? (() => {});
  let dataDir = options.dataDir;
  let generated = false;
  if (dataDir === undefined) {
    dataDir = options.demoDir ?? DEMO_DEFAULTS.outDir;
    if (demoPresent(dataDir)) {
      log(`using the demo operator in ${dataDir}`);
    } else {
      log(`no data given: generating the demo operator (${DEMO_DEFAULTS.customers} customers, ${DEMO_DEFAULTS.months} months) in ${dataDir}`);
      await writeDemoDataset({ ...DEMO_DEFAULTS, outDir: dataDir });
      generated = true;
    }
  }
  log(`importing ${dataDir} into ${store.location}`);
  const imported = await importDataset(store, dataDir);
  const totals = await churnTotals(store, {}, { refreshStale: true });
  const reasons = await churnReasons(store, { lang: options.lang ?? 'zh' }, { refreshStale: true });
  const regions = await churnRegions(store, {}, { refreshStale: true });
  let model: TrainedChurnModel | undefined;
  let scores: ScoreRun | undefined;
  try {
    log('training the churn model');
    model = await trainChurnModel(store, { log });
    scores = await scoreCustomers(store, { lang: options.lang ?? 'zh' });
  } catch (err) {
    if (!(err instanceof TenureError && (err.code === 'NO_DATA' || err.code === 'USAGE'))) throw err;
    log(`no churn model: ${err.message}`);
  }
  // The retention loop: how the past campaigns did against their control groups.
  const campaigns = (await hasCampaigns(store)) ? await evaluateCampaigns(store) : undefined;
  const points = await runPoints(store, log);
  return {
    dataDir,
    generated,
    imported,
    totals,
    reasons,
    regions,
    ...(model ? { model } : {}),
    ...(scores ? { scores } : {}),
    ...(campaigns ? { campaigns } : {}),
    ...(points ? { points } : {}),
  };
}
