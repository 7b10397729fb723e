/**
 * `tenure customer ID`: the 360° view of one account as of a month — profile (personal data
 * masked by the one policy, domain/privacy/masking.ts, unless the caller has the rights), subscriptions, the last 6 bills, recent interactions, lifecycle
 * stage with its history and the rule that placed it, value with its quadrant and where the
 * growth potential comes from, the latest churn score with its reasons, the churn event.
 *
 * Stage and value compare the customer with the whole base (segment ARPU rank, median
 * thresholds), so they are computed for everyone and read for this customer; the stage
 * history is the kept one (history-store.ts).
 */
import { quadrantOf, QUADRANT_STRATEGIES } from '../../domain/value/matrix.ts';
import { STAGE_INFO, type Stage } from '../../domain/lifecycle/stages.ts';
import type { LifecycleRules } from '../../domain/lifecycle/rules.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore, Row } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { loadRules } from '../lifecycle/context.ts';
import { resolveAsOf, stagePartial } from '../lifecycle/lifecycle.ts';
import type { DataSpan, PartialCoverage } from '../data-span.ts';
import { ensureStageHistory, HISTORY_TABLE } from '../lifecycle/history-store.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { maskRow, NO_PERSONAL_DATA, type AccessRights } from '../../domain/privacy/masking.ts';
import { pointRead, type RowLocator } from './row-locator.ts';

export const HISTORY_MONTHS = 6;

export interface Customer360 {
  readonly customer_id: string;
  readonly as_of: MonthText;
  readonly pii_masked: boolean;
  readonly profile: Row;
  readonly subscriptions: Row[];
  readonly usage: Row[];
  readonly interactions: Row[];
  readonly lifecycle: {
    readonly stage: Stage | null;
    readonly name: string | null;
    readonly relationship: string | null;
    readonly rule: string | null;
    readonly features: Row | null;
    readonly history: { month: MonthText; stage: string; rule: string }[];
  };
  readonly value: {
    readonly current_value: number;
    readonly potential: number;
    readonly up_buy: number;
    readonly cross_buy: number;
    readonly referral: number;
    readonly remaining_lifetime_months: number;
    readonly quadrant: string;
    readonly strategy: (typeof QUADRANT_STRATEGIES)[keyof typeof QUADRANT_STRATEGIES];
  } | null;
  readonly churn_score: Row | null;
  readonly churn_event: Row | null;
  /** The stage placed on less than a year of bills (empty: complete); see app/data-span.ts. */
  readonly partial_coverage: PartialCoverage[];
}

const r2 = (x: number) => Number(x.toFixed(2));

/**
 * What the 360 view of any customer at a month reads of the whole base: the month (from the
 * data's span), the kept stage history's key (the month staged for everyone) and, on first need,
 * the value snapshot's key with the base's medians (the quadrant thresholds). A caller that
 * shows many customers (the HTTP server, app/serving) keeps one per month and data generation;
 * a one-shot call makes its own. The keys name rows of this store's session: on a read-only
 * session a month nobody kept is staged into its temporary shadow, so a base is used with the
 * session that made it, or made on a writable store (which keeps what it stages).
 */
export interface Customer360Base {
  readonly asOf: MonthText;
  readonly span: DataSpan;
  readonly hasScores: boolean;
  readonly historyMonths: number;
  readonly stageKey: string;
  /** Months this base staged into the kept history (a server's other bases may not know their rows). */
  readonly staged?: readonly MonthText[];
  /** Where each customer's rows are (DuckDB, a server's base: row-locator.ts); absent: the plain filters. */
  readonly locator?: RowLocator | null;
  /** The reason code table by code (a server's base, read once with its locator); absent: joined per call. */
  readonly reasonCodes?: ReadonlyMap<string, ReasonText> | null;
  /** The value snapshot's key and the base's medians at the month (computed once, on first call). */
  value(): Promise<{ readonly key: string; readonly medians: { readonly currentValue: number; readonly potential: number } | null }>;
}

/** What a churn event shows of its reason code. */
export interface ReasonText {
  readonly group: string | null;
  readonly en: string | null;
  readonly zh: string | null;
}

/** The reason code table by code, for a base that joins it in memory (the first row of a code, as a join then `[0]` reads it). */
export async function reasonCodeTexts(store: AnalyticsStore): Promise<ReadonlyMap<string, ReasonText>> {
  const rows = await store.query<{ code: string | null; group: string | null; en: string | null; zh: string | null }>('SELECT code, "group" AS "group", en, zh FROM reason_codes');
  const map = new Map<string, ReasonText>();
  for (const r of rows) if (r.code !== null && !map.has(r.code)) map.set(r.code, { group: r.group, en: r.en, zh: r.zh });
  return map;
}

/**
 * Rows of one customer read through the locator (all of its rows in the table), filtered and
 * ordered here as the plain query's WHERE/ORDER BY/LIMIT would: `key` is a DATE or TIMESTAMP
 * column as the DuckDB reader gives it (ISO text, which orders as the values do), kept when
 * below `before` (ISO text; `${day}\u0000` keeps the day itself), latest first.
 */
function latestBefore(rows: readonly Row[], before: string, keys: readonly string[], limit: number): Row[] {
  const text = (r: Row, k: string) => (r[k] === null || r[k] === undefined ? '' : String(r[k]));
  return rows
    .filter((r) => r[keys[0] as string] !== null && text(r, keys[0] as string) < before)
    .sort((a, b) => {
      for (const k of keys) {
        const x = text(a, k);
        const y = text(b, k);
        if (x !== y) return x < y ? 1 : -1;
      }
      return 0;
    })
    .slice(0, limit);
}

export async function customer360Base(store: AnalyticsStore, input: { asOf?: string; rules?: LifecycleRules; historyMonths?: number } = {}): Promise<Customer360Base> {
  const { asOf, first, hasScores, span } = await resolveAsOf(store, input.asOf);
  // The stage of the month (staged for the whole base and kept: the rank needs everyone) and
  // the months of the window the kept history already has (`tenure lifecycle refresh` keeps more).
  const rules = input.rules ?? loadRules();
  const { key, staged } = await ensureStageHistory(store, [asOf], { rules, dataFirst: first, hasScores });
  let value: ReturnType<Customer360Base['value']> | undefined;
  return {
    asOf,
    span,
    hasScores,
    historyMonths: input.historyMonths ?? HISTORY_MONTHS,
    stageKey: key,
    staged,
    value: () => {
      value ??= (async () => {
        const { key: valueKey } = await ensureValueSnapshot(store, asOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
        // Quadrant thresholds are the base's medians (type-7 quantiles, as domain/value/quantile.ts).
        const [m] = await store.query<{ cm: number | null; pm: number | null }>(
          `SELECT ${store.dialect.quantileCont('current_value', 0.5)} AS cm, ${store.dialect.quantileCont('potential', 0.5)} AS pm
           FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = CAST($1 AS VARCHAR) AND as_of = CAST($2 AS DATE)`,
          [valueKey, `${asOf}-01`],
        );
        const medians = m && m.cm !== null && m.pm !== null ? { currentValue: Number(m.cm), potential: Number(m.pm) } : null;
        return { key: valueKey, medians };
      })();
      value.catch(() => (value = undefined));
      return value;
    },
  };
}

export async function customer360(
  store: AnalyticsStore,
  input: { customerId: string; asOf?: string; rights?: AccessRights; rules?: LifecycleRules; historyMonths?: number },
  base?: Customer360Base,
): Promise<Customer360> {
  const id = input.customerId;
  const rights = input.rights ?? NO_PERSONAL_DATA;
  const [profile] = await pointRead(store, base?.locator, { table: 'customers', params: [id] });
  if (!profile) throw new TenureError('NO_DATA', `no customer ${id} in the store ${store.location}`);
  const b = base ?? (await customer360Base(store, input));
  const { asOf, hasScores, span } = b;
  const end = `${addMonths(asOf, 1)}-01`;

  const locator = b.locator;
  const subscriptions = await pointRead(store, locator, { table: 'subscriptions', params: [id], orderBy: 'start_date, subscription_id' });
  // Usage is stored in customer order: located as each customer's run of rowids (a filter on the
  // customer prunes nothing: DuckDB's zone maps of text keep only a prefix of the ids).
  const usageFrom = `${addMonths(asOf, -(HISTORY_MONTHS - 1))}-01`;
  const usage = await pointRead(store, locator, {
    table: 'monthly_usage',
    where: 'month < CAST($2 AS DATE) AND month >= CAST($3 AS DATE)',
    params: [id, end, usageFrom],
    orderBy: 'month',
    keep: (r) => r.month !== null && r.month !== undefined && String(r.month) < end && String(r.month) >= usageFrom,
    sort: (a, b) => (String(a.month) < String(b.month) ? -1 : String(a.month) > String(b.month) ? 1 : 0),
  });
  // With a locator (a server's base) the customer's interactions, churn event and scores are
  // point reads, filtered here as the plain queries below do in SQL (which scan those tables).
  const interactions = locator
    ? latestBefore(await pointRead(store, locator, { table: 'interactions', params: [id] }), end, ['ts'], 20)
    : await store.query(`SELECT * FROM interactions WHERE customer_id = $1 AND ts < CAST($2 AS TIMESTAMP) ORDER BY ts DESC LIMIT 20`, [id, end]);
  const codes = b.reasonCodes;
  const [churnEvent] =
    locator && codes
      ? (await pointRead(store, locator, { table: 'churn_events', params: [id] })).map((e) => {
          const rc = e.reason_code === null || e.reason_code === undefined ? undefined : codes.get(String(e.reason_code));
          return { ...e, reason_group: rc?.group ?? null, reason: rc?.en ?? null, reason_zh: rc?.zh ?? null } as Row;
        })
      : await store.query(
          `SELECT e.*, rc."group" AS reason_group, rc.en AS reason, rc.zh AS reason_zh
           FROM churn_events e LEFT JOIN reason_codes rc ON rc.code = e.reason_code WHERE e.customer_id = $1`,
          [id],
        );
  const [score] = !hasScores
    ? []
    : locator
      ? latestBefore(await pointRead(store, locator, { table: 'churn_scores', params: [id] }), `${asOf}-01\u0000`, ['as_of', 'scored_at'], 1).map(
          (r) => ({ model_version: r.model_version, as_of: r.as_of, churn_probability: r.churn_probability, expected_loss: r.expected_loss, top_reasons: r.top_reasons, scored_at: r.scored_at }) as Row,
        )
      : await store.query(
          `SELECT model_version, as_of, churn_probability, expected_loss, top_reasons, scored_at FROM churn_scores
           WHERE customer_id = $1 AND as_of <= CAST($2 AS DATE) ORDER BY as_of DESC, scored_at DESC LIMIT 1`,
          [id, `${asOf}-01`],
        );

  const historyFrom = `${addMonths(asOf, -b.historyMonths)}-01`;
  const month = `${asOf}-01`;
  const featureNames = ['tenure_months', 'churned', 'arpu_last3', 'arpu_prev3', 'usage_last3', 'usage_prev3', 'dormant_months', 'peak_arpu3', 'segment_arpu_rank', 'churn_risk', 'segment'];
  const staged = await pointRead(store, locator, {
    table: HISTORY_TABLE,
    // What the view shows and the located read checks: reading every column costs the point read several times as much.
    columns: ['customer_id', 'rules_key', 'as_of', 'stage', 'rule', ...featureNames].map((c) => `"${c}"`).join(', '),
    where: 'rules_key = $2 AND as_of > CAST($3 AS DATE) AND as_of <= CAST($4 AS DATE)',
    params: [id, b.stageKey, historyFrom, month],
    keep: (r) => r.rules_key === b.stageKey && r.as_of !== null && String(r.as_of) > historyFrom && String(r.as_of) <= month,
    orderBy: 'as_of',
  });
  const current = staged.find((r) => String(r.as_of).slice(0, 7) === asOf) ?? null;
  const stage = current ? (String(current.stage) as Stage) : null;

  // Value: this customer's inputs, and the base's medians for the quadrant.
  let value: Customer360['value'] = null;
  const live = current !== null && current.churned !== true;
  if (live) {
    const { key: valueKey, medians } = await b.value();
    const [row] = await pointRead<Record<string, number | null>>(store, locator, {
      table: SNAPSHOT_TABLE,
      columns: 'customer_id, snapshot_key, as_of, current_value, potential, up_buy, cross_buy, referral, lifetime',
      where: 'snapshot_key = CAST($2 AS VARCHAR) AND as_of = CAST($3 AS DATE)',
      params: [id, valueKey, month],
      keep: (r) => String(r.snapshot_key) === valueKey && String(r.as_of) === month,
    });
    if (row && medians) {
      const current_value = Number(row.current_value);
      const potential = Number(row.potential);
      const q = quadrantOf(current_value, potential, medians);
      value = {
        current_value: r2(current_value),
        potential: r2(potential),
        up_buy: r2(Number(row.up_buy)),
        cross_buy: r2(Number(row.cross_buy)),
        referral: r2(Number(row.referral)),
        remaining_lifetime_months: r2(Number(row.lifetime)),
        quadrant: q,
        strategy: QUADRANT_STRATEGIES[q],
      };
    }
  }

  return {
    customer_id: id,
    as_of: asOf,
    pii_masked: !rights.personalData,
    // Every row of a contract table goes out through the policy, whatever the format.
    profile: maskRow('customers', profile, rights),
    subscriptions: subscriptions.map((r) => maskRow('subscriptions', r, rights)),
    usage: usage.map((r) => maskRow('monthly_usage', r, rights)),
    interactions: interactions.map((r) => maskRow('interactions', r, rights)),
    lifecycle: {
      stage,
      name: stage ? STAGE_INFO[stage].en : null,
      relationship: stage ? `${STAGE_INFO[stage].relationship} ${STAGE_INFO[stage].relationshipZh}` : null,
      rule: current ? String(current.rule) : null,
      features: current ? Object.fromEntries(featureNames.map((f) => [f, current[f] ?? null])) : null,
      history: staged.map((r) => ({ month: String(r.as_of).slice(0, 7), stage: String(r.stage), rule: String(r.rule) })),
    },
    value,
    churn_score: score ?? null,
    churn_event: churnEvent ? maskRow('churn_events', churnEvent, rights) : null,
    partial_coverage: stagePartial(span, [asOf]),
  };
}
