/**
 * The demo operator: a synthetic, deterministic data set in the data-contract format
 * (customers, subscriptions, monthly_usage, interactions, churn_events, surveys, and of
 * contract v2 the retention offer catalogue `offers` and the operator's past `campaigns` with
 * their `campaign_members`; the
 * contract's default reason-code table applies, so no reason_codes file is written).
 *
 * Generating assumptions, and why each exists:
 * - Population. A base that joined before the window (tenure drawn from a long-tailed
 *   lognormal, up to 20 years) plus gross adds in every window month with Chinese
 *   seasonality and a slowly falling trend (calendar.ts), so opening/gross-adds/closing
 *   reports and forecasts have realistic shapes. `customers` counts accounts, win-backs
 *   included; usage rows are therefore ≈ customers × months × ~0.7. The base is simulated
 *   for 6 unwritten burn-in months so it enters the window mid-life (some customers
 *   already leaving, unpaid or dormant) instead of all healthy.
 * - Profiles. `mobile` (voice plans, data packs, VAS), `cable` (seed 002 segments basic /
 *   new_video / netizen / full_service over tv_basic, tv_hd, vod, broadband, bundle; no
 *   voice, roaming or call measures), `mixed` (both lines, ~55 % mobile). ~6 %/3 % business
 *   accounts with industry and employees (products.ts, persona.ts). The segment is
 *   written as the `x_segment` extra attribute of customers (allowed by the contract).
 * - Regions. Real province/city/district names with unequal sizes; rural counties have
 *   weaker networks (regions.ts) — the geographic churn driver of the deck.
 * - Latent drivers. Each person has hidden price sensitivity, engagement, credit risk,
 *   on-net share and calling habits; they only show through behaviour (persona.ts).
 * - Voluntary churn is a competing-risks hazard per reason code (hazard.ts): price
 *   sensitivity × bill level → 101; regional competitor campaigns → 102 with the
 *   competitor's name; unresolved complaints and poor ratings → 103; low on-net share →
 *   104; youth and new-handset season → 105; network episodes → 205 and weak district
 *   coverage → 206; billing errors → 207; relocation/life/financial change → 210–212 (212
 *   after payment trouble; 210/211 are pure noise). Shared multipliers: early-tenure
 *   risk falling with tenure, contracts holding customers and their expiry releasing
 *   them, age, online sign-ups, segment loyalty, seasonality and a competitive trend.
 * - Signals before exit. A decision is followed by 0–4 months of visible decline (usage,
 *   outgoing share, call partners, on-net share down; forwarding, care calls, inquiries,
 *   cancel requests up; add-ons dropped so ARPU falls) — usage.ts, interactions.ts.
 *   12 % leave impulsively with no warning and 5 %/month of leavers are saved: noise.
 * - Involuntary churn follows the deck's 自然流失: credit (335) after the 4th unpaid bill
 *   with growing overdue days (many spells are repaid: noise), non-use (380) for accounts
 *   dormant ≥ 4 months purged at quarter ends, fraud (345) as a usage burst on new
 *   accounts. New accounts fail payments and go dormant more often (no history, SIMs
 *   bought for a promotion). Churn types always agree with the default reason-code table.
 * - Ramp-up: usage grows over the first months after joining. Contract end dates come
 *   from segment terms with renewals; in-contract leavers get an early termination fee
 *   as a final bill the month after the exit (allowed by the contract).
 * - Win-back: ~10 % of leavers for price/service/quality reasons return 1–9 months later
 *   as a new account with `winback_of`, a promotional price and a higher hazard.
 * - Care habits (seed 002): birthdays for individuals, birthday greetings for high-value
 *   customers, quarterly home maintenance for full-service households, renewal offers
 *   before contract expiry.
 * - Surveys for the churn index mirror the simulation (surveys.ts).
 * - Loyalty points from the operator's loyalty platform (points.ts): migrated balances, welcome
 *   bonuses, partner earnings, catalogue redemptions and adjustments (contract v2
 *   `points_transactions`); the product's own earning rules run on top (`tenure points earn`).
 * - Retention campaigns (retention.ts): every 4 months the operator targets customers who look at
 *   risk (consent required), randomizes them to a control arm and two offers, and the offers
 *   change treated members' hazards and bills: persuadables, sure things, lost causes and a few
 *   sleeping dogs. Each offer member is also simulated without the offer (same random numbers),
 *   so the writer returns the planted effect of every arm.
 * Determinism: one PRNG stream per customer slot derived from (seed, slot); no clock, no
 * Math.random; the window ends at a fixed month (default 2025-12).
 */
import { DemoContext } from './context.ts';
import type { Profile } from './products.ts';
import { campaignLines, type MemberTruth, memberLine, type PlantedArm } from './retention.ts';
import { DEMO_OFFER_LINES, HEADERS } from './rows.ts';
import { type RowSinks, type Winback, simulateCustomer } from './simulate.ts';
import { surveyLines } from './surveys.ts';
import type { LineSink } from './interactions.ts';

export type { Profile } from './products.ts';
export { PROFILES } from './products.ts';

export const DEMO_DEFAULTS = {
  outDir: './tenure-data/demo',
  customers: 5000,
  months: 24,
  seed: 42,
  profile: 'mixed' as Profile,
  endMonth: '2025-12',
} as const;

export interface DemoDatasetOptions {
  outDir: string;
  customers: number;
  months: number;
  seed: number;
  profile: Profile;
  endMonth?: string;
  /** Simulate the retention campaigns (default true); without them no customer is contacted. */
  campaigns?: boolean;
  /** Keep every member's churn with and without the offer (control: as simulated; benchmarks; memory grows with members). */
  collectMemberTruth?: boolean;
}

export type { MemberTruth, PlantedArm } from './retention.ts';

export type DemoFile = keyof typeof HEADERS;
/** Rows written per file: any file name reads as `number | undefined`, the six demo files as `number`. */
export type DemoFileCounts = Record<string, number> & Record<DemoFile, number>;

function checkOptions(o: DemoDatasetOptions): void {
  const positive = (name: string, v: number) => {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  positive('customers', o.customers);
  positive('months', o.months);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${o.seed}`);
  if (o.profile !== 'mobile' && o.profile !== 'cable' && o.profile !== 'mixed') throw new RangeError(`unknown profile ${String(o.profile)}`);
}

export interface DemoDatasetResult {
  /** Rows written per file (headers excluded). */
  readonly files: DemoFileCounts;
  /** Per campaign arm: members and their churn in the window with and without the offer (control: as simulated). */
  readonly planted: readonly PlantedArm[];
  /** Per member (control members too, with and without alike), when `collectMemberTruth` was set. */
  readonly memberTruth?: readonly MemberTruth[];
}

const DISCARD_LINE = { push: () => undefined };
const DISCARD_SINKS: RowSinks = { customers: DISCARD_LINE, subscriptions: DISCARD_LINE, usage: DISCARD_LINE, interactions: DISCARD_LINE, churn: DISCARD_LINE };

/**
 * Where one demo file's lines go (app/demo/writer.ts writes them to a CSV file). The generator
 * awaits `drain` whenever a sink says `mustDrain`, so memory stays bounded; `close` finishes it.
 */
export interface DemoFileSink extends LineSink {
  readonly rows: number;
  readonly mustDrain: boolean;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the sink of one demo file, given its header. */
export type OpenDemoFile = (name: DemoFile, header: readonly string[]) => DemoFileSink;

/**
 * Generates the demo data set into the sinks `open` gives (pure generation: the files are the
 * app's concern, app/demo/write-dataset.ts); returns rows per file and the campaigns' planted effects.
 */
export async function generateDemoDataset(options: DemoDatasetOptions, openFile: OpenDemoFile): Promise<DemoDatasetResult> {
  checkOptions(options);
  const ctx = new DemoContext({
    customers: options.customers,
    months: options.months,
    seed: options.seed,
    profile: options.profile,
    endMonth: options.endMonth ?? DEMO_DEFAULTS.endMonth,
    campaigns: options.campaigns ?? true,
  });
  const open = (name: DemoFile) => openFile(name, HEADERS[name]);
  const writers = {
    customers: open('customers'),
    subscriptions: open('subscriptions'),
    monthly_usage: open('monthly_usage'),
    interactions: open('interactions'),
    churn_events: open('churn_events'),
    surveys: open('surveys'),
    offers: open('offers'),
    campaigns: open('campaigns'),
    campaign_members: open('campaign_members'),
    points_transactions: open('points_transactions'),
  };
  const all = Object.values(writers);
  const sinks = {
    customers: writers.customers,
    subscriptions: writers.subscriptions,
    usage: writers.monthly_usage,
    interactions: writers.interactions,
    churn: writers.churn_events,
    points: writers.points_transactions,
  };

  // Win-backs wait in a FIFO and take the next free slot, so ids stay dense and a returning
  // person's new id is always later than the old one.
  const planted = new Map<string, PlantedArm>();
  for (const c of ctx.retentionCampaigns) {
    for (const a of c.arms) planted.set(`${c.campaignId}|${a.arm}`, { campaignId: c.campaignId, arm: a.arm, members: 0, churnedWith: 0, churnedWithout: 0 });
  }
  const memberTruth: MemberTruth[] | undefined = options.collectMemberTruth ? [] : undefined;
  const month = (t: number) => ctx.texts.month(t);
  let pending: Winback[] = [];
  let head = 0;
  for (let slot = 0; slot < options.customers; slot++) {
    const winback = head < pending.length ? pending[head++] : undefined;
    const run = simulateCustomer(ctx, slot, sinks, winback);
    if (run.winback) pending.push(run.winback);
    for (const { membership: m, churnedInWindow } of run.memberships) {
      const id = ctx.customerId(slot);
      writers.campaign_members.push(memberLine(id, m, month, run.exit));
      // The counterfactual: the same customer without this campaign's offer (control: as simulated).
      let without = churnedInWindow;
      if (m.arm !== 'control') {
        const alt = simulateCustomer(ctx, slot, DISCARD_SINKS, winback, m.campaign.index).memberships.find((o) => o.membership.campaign === m.campaign);
        if (!alt) throw new Error(`demo: ${id} lost its membership of ${m.campaign.campaignId} without the offer`);
        without = alt.churnedInWindow;
      }
      memberTruth?.push({ campaignId: m.campaign.campaignId, customerId: id, arm: m.arm, churnedWith: churnedInWindow, churnedWithout: without, accepted: m.accepted, sleepingDog: m.sleepingDog, leavingStep: m.leavingStep, addressed: m.addressed, arrears: m.arrears, dormant: m.dormant });
      const arm = planted.get(`${m.campaign.campaignId}|${m.arm}`) as PlantedArm;
      arm.members++;
      arm.churnedWith += Number(churnedInWindow);
      arm.churnedWithout += Number(without);
    }
    if (head > 1024 && head * 2 > pending.length) {
      pending = pending.slice(head);
      head = 0;
    }
    if (all.some((w) => w.mustDrain)) await Promise.all(all.map((w) => w.drain()));
  }
  for (const line of surveyLines(ctx)) writers.surveys.push(line);
  for (const line of DEMO_OFFER_LINES) writers.offers.push(line);
  for (const line of campaignLines(ctx)) writers.campaigns.push(line);
  await Promise.all(all.map((w) => w.close()));

  const files: DemoFileCounts = {
    customers: writers.customers.rows,
    subscriptions: writers.subscriptions.rows,
    monthly_usage: writers.monthly_usage.rows,
    interactions: writers.interactions.rows,
    churn_events: writers.churn_events.rows,
    surveys: writers.surveys.rows,
    offers: writers.offers.rows,
    campaigns: writers.campaigns.rows,
    campaign_members: writers.campaign_members.rows,
    points_transactions: writers.points_transactions.rows,
  };
  return { files, planted: [...planted.values()], ...(memberTruth ? { memberTruth } : {}) };
}
