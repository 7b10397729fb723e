/**
 * The demo operator: a synthetic, deterministic data set in the data-contract format
 * (customers, subscriptions, monthly_usage, interactions, churn_events, surveys, and the
 * retention offer catalogue `offers` of contract v2; the
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
 * Determinism: one PRNG stream per customer slot derived from (seed, slot); no clock, no
 * Math.random; the window ends at a fixed month (default 2025-12).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DemoContext } from './context.ts';
import type { Profile } from './products.ts';
import { DEMO_OFFER_LINES, HEADERS } from './rows.ts';
import { type Winback, simulateCustomer } from './simulate.ts';
import { surveyLines } from './surveys.ts';
import { CsvFileWriter } from './writer.ts';

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
}

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

/** Writes the demo data set into `outDir`; returns rows written per file (headers excluded). */
export async function writeDemoDataset(options: DemoDatasetOptions): Promise<{ files: DemoFileCounts }> {
  checkOptions(options);
  const ctx = new DemoContext({
    customers: options.customers,
    months: options.months,
    seed: options.seed,
    profile: options.profile,
    endMonth: options.endMonth ?? DEMO_DEFAULTS.endMonth,
  });
  await mkdir(options.outDir, { recursive: true });
  const open = (name: DemoFile) => new CsvFileWriter(join(options.outDir, `${name}.csv`), HEADERS[name]);
  const writers = {
    customers: open('customers'),
    subscriptions: open('subscriptions'),
    monthly_usage: open('monthly_usage'),
    interactions: open('interactions'),
    churn_events: open('churn_events'),
    surveys: open('surveys'),
    offers: open('offers'),
  };
  const all = Object.values(writers);
  const sinks = {
    customers: writers.customers,
    subscriptions: writers.subscriptions,
    usage: writers.monthly_usage,
    interactions: writers.interactions,
    churn: writers.churn_events,
  };

  // Win-backs wait in a FIFO and take the next free slot, so ids stay dense and a returning
  // person's new id is always later than the old one.
  let pending: Winback[] = [];
  let head = 0;
  for (let slot = 0; slot < options.customers; slot++) {
    const winback = head < pending.length ? pending[head++] : undefined;
    const next = simulateCustomer(ctx, slot, sinks, winback);
    if (next) pending.push(next);
    if (head > 1024 && head * 2 > pending.length) {
      pending = pending.slice(head);
      head = 0;
    }
    if (all.some((w) => w.mustDrain)) await Promise.all(all.map((w) => w.drain()));
  }
  for (const line of surveyLines(ctx)) writers.surveys.push(line);
  for (const line of DEMO_OFFER_LINES) writers.offers.push(line);
  await Promise.all(all.map((w) => w.close()));

  const files: DemoFileCounts = {
    customers: writers.customers.rows,
    subscriptions: writers.subscriptions.rows,
    monthly_usage: writers.monthly_usage.rows,
    interactions: writers.interactions.rows,
    churn_events: writers.churn_events.rows,
    surveys: writers.surveys.rows,
    offers: writers.offers.rows,
  };
  return { files };
}
