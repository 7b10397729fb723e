/**
 * Per-customer uplift for the next best action. `tenure uplift train` keeps, with each model, its
 * prediction for every customer of the base as of the data's last month (uplift_scores: churn
 * without and with the offer, from the features the model learned on, app/churn-model/features.ts);
 * the next best action reads its customer's rows of the latest model of each offer, so a call
 * never builds features. A preloaded context holds every customer's rows in memory.
 */
import type { MonthText } from '../../domain/month.ts';
import { selectRows } from '../../model/columns.ts';
import type { UpliftModel } from '../../model/uplift.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { DEFAULT_HORIZON_MONTHS } from '../campaigns/evaluate.ts';
import { buildCustomerFeatures, CUSTOMER_FEATURES } from '../churn-model/features.ts';
import { toModelColumns } from '../churn-model/train.ts';

export interface OfferUpliftModel {
  readonly offerId: string;
  readonly modelId: string;
}

/** One customer's predicted effect of one offer. */
export interface CustomerUplift {
  readonly modelId: string;
  /** Churn without the offer minus churn with it (positive: the offer keeps the customer). */
  readonly uplift: number;
  readonly churnWithout: number;
  readonly churnWith: number;
  /** The month the customer's features were read as of. */
  readonly asOf: MonthText;
}

/** Every kept prediction of the given models, in memory (a preloaded context). */
export interface UpliftIndex {
  readonly byOffer: ReadonlyMap<string, ReadonlyMap<string, CustomerUplift>>;
}

const BASE_TABLE = 'uplift_score_rows';

/** The latest uplift model of each offer (ties on the creation time broken by model id). */
export async function latestUpliftModels(store: AnalyticsStore): Promise<OfferUpliftModel[]> {
  const rows = await store.query<{ model_id: string; offer_id: string }>(
    `SELECT u.model_id, u.offer_id FROM uplift_models u
     JOIN (SELECT offer_id, max(created_at) AS created_at FROM uplift_models WHERE offer_id IS NOT NULL GROUP BY offer_id) AS l
       ON l.offer_id = u.offer_id AND l.created_at = u.created_at
     ORDER BY u.offer_id, u.model_id DESC`,
  );
  const out: OfferUpliftModel[] = [];
  for (const r of rows) if (!out.some((m) => m.offerId === r.offer_id)) out.push({ offerId: r.offer_id, modelId: r.model_id });
  return out;
}

/**
 * Predicts every customer of the base as of `asOf` with the model and keeps the rows in
 * uplift_scores under its id; returns how many. Runs outside a transaction (it stages columns).
 */
export async function keepUpliftScores(store: AnalyticsStore, model: { readonly modelId: string; readonly offerId: string; readonly model: UpliftModel }, asOf: MonthText): Promise<number> {
  const features = await buildCustomerFeatures(store, asOf, DEFAULT_HORIZON_MONTHS, 1000, [], null);
  const ids = features.columns.customer_id;
  if (!Array.isArray(ids)) throw new Error('feature query lacks customer_id');
  const p = model.model.predict(selectRows(toModelColumns(features, CUSTOMER_FEATURES), Array.from({ length: ids.length }, (_, i) => i)));
  await store.stageColumns(BASE_TABLE, { rowCount: ids.length, names: ['customer_id', 'uplift', 'churn_without', 'churn_with'], columns: { customer_id: ids, uplift: p.uplift, churn_without: p.churnWithout, churn_with: p.churnWith } });
  try {
    await store.transaction(async (tx) => {
      await tx.run('DELETE FROM uplift_scores WHERE model_id = CAST($1 AS VARCHAR)', [model.modelId]);
      await tx.run(
        `INSERT INTO uplift_scores (model_id, offer_id, as_of, customer_id, uplift, churn_without, churn_with)
         SELECT CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), CAST($3 AS DATE), customer_id, uplift, churn_without, churn_with FROM ${BASE_TABLE}`,
        [model.modelId, model.offerId, `${asOf}-01`],
      );
    });
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${BASE_TABLE}`);
  }
  return ids.length;
}

interface ScoreRow {
  offer_id: string;
  model_id: string;
  customer_id: string;
  as_of: string;
  uplift: number;
  churn_without: number;
  churn_with: number;
  [k: string]: string | number | null;
}

const modelList = (models: readonly OfferUpliftModel[]) => models.map((m) => `'${m.modelId.replaceAll("'", "''")}'`).join(', ');
const toUplift = (r: ScoreRow): CustomerUplift => ({ modelId: r.model_id, uplift: Number(r.uplift), churnWithout: Number(r.churn_without), churnWith: Number(r.churn_with), asOf: String(r.as_of).slice(0, 7) });

/** A customer's kept predictions, by offer (an offer without a row for the customer is absent). */
export async function readCustomerUplift(store: AnalyticsStore, models: readonly OfferUpliftModel[], customerId: string): Promise<Map<string, CustomerUplift>> {
  if (models.length === 0) return new Map();
  const rows = await store.query<ScoreRow>(
    `SELECT offer_id, model_id, customer_id, as_of, uplift, churn_without, churn_with FROM uplift_scores
     WHERE customer_id = CAST($1 AS VARCHAR) AND model_id IN (${modelList(models)}) ORDER BY offer_id`,
    [customerId],
  );
  return new Map(rows.map((r) => [r.offer_id, toUplift(r)]));
}

/** Every kept prediction of the models (a preloaded context). */
export async function loadUpliftIndex(store: AnalyticsStore, models: readonly OfferUpliftModel[]): Promise<UpliftIndex> {
  const byOffer = new Map<string, Map<string, CustomerUplift>>();
  if (models.length === 0) return { byOffer };
  const set = await store.queryColumns(
    `SELECT offer_id, model_id, customer_id, ${store.dialect.formatDate('as_of')} AS as_of, uplift, churn_without, churn_with FROM uplift_scores WHERE model_id IN (${modelList(models)})`,
  );
  const text = (n: string) => set.columns[n] as readonly string[];
  const num = (n: string) => set.columns[n] as Float64Array;
  const [offer, model, id, asOf, uplift, without, withOffer] = [text('offer_id'), text('model_id'), text('customer_id'), text('as_of'), num('uplift'), num('churn_without'), num('churn_with')];
  for (let i = 0; i < set.rowCount; i++) {
    const o = offer[i] as string;
    let m = byOffer.get(o);
    if (!m) byOffer.set(o, (m = new Map()));
    m.set(id[i] as string, { modelId: model[i] as string, uplift: uplift[i] as number, churnWithout: without[i] as number, churnWith: withOffer[i] as number, asOf: (asOf[i] as string).slice(0, 7) });
  }
  return { byOffer };
}
