/**
 * A second synthetic operator, written independently of the demo generator
 * (src/domain/demo), to check the churn model on data it was not designed on.
 *
 * Operator "B": a converged mobile + fibre + IPTV operator in southern China. What differs
 * from the demo operator, on purpose:
 * - Segments (written as the `x_segment` attribute): student, young_pro, family, silver,
 *   budget, sme, corporate; two more customer attributes, `x_handset_tier` (low / mid /
 *   flagship) and `x_credit_band` (A–D, a noisy reading of the latent credit risk).
 * - Its billing export leaves out outgoing, roaming, long-distance and forwarded minutes
 *   and on-net contacts (the columns are absent), and carries three operator measures:
 *   `x_app_logins` (self-care app sessions), `x_outage_hours` (fibre outage hours, blank
 *   without fibre) and `x_device_age_months` (age of the handset, blank without mobile).
 * - Drivers: a latent dissatisfaction that follows an AR(1) process fed by fibre outages,
 *   unresolved repairs and billing disputes; the device's age (new-technology churn of
 *   tech-minded people once the handset is 20+ months old); city-level competitor
 *   campaigns acting on price-sensitive customers; contract expiry and the out-of-contract
 *   price step; product count (each extra category holds); the industry of business
 *   accounts; payment trouble (involuntary, after 90 days overdue) and prepaid-like dormancy
 *   (involuntary non-use) in the budget segment; an unobserved frailty per customer.
 * - Signals: usage *levels* fall with dissatisfaction (no fixed pre-exit decline pattern);
 *   a decided customer leaves in the same month or up to 2 months later, asking about
 *   porting or cancellation meanwhile; repairs, inquiries, complaints, retention offers,
 *   device orders and care contacts all appear in interactions, with resolution and ratings.
 *
 * Every customer's true probability of leaving in the `horizon` months after the data's
 * last month is estimated from its full state (latent variables included) by Rao-
 * Blackwellised Monte Carlo: REPLICAS continuations of the state, each contributing the
 * exact exit probability given its path of hazards. Its AUC against the realised exits is
 * the Bayes AUC: what a model seeing everything could reach.
 *
 * The generator simulates the data window plus the horizon and writes all of it; the bench
 * cuts the files at the window's last month (bench/holdout-cut.ts) and keeps the exits after
 * it as the test labels. `p_true.csv` (customer_id, p_true) covers the closing base of the
 * last window month. Deterministic: one PRNG stream per customer slot from (seed, slot).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CsvFileWriter } from '../src/app/demo/writer.ts';
import { formatMonth, parseMonth } from '../src/domain/month.ts';

export interface SecondOperatorOptions {
  readonly outDir: string;
  readonly customers: number;
  /** Months of data (the window); the horizon's months are simulated after it. */
  readonly months: number;
  readonly seed: number;
  /** The window's last month, YYYY-MM. */
  readonly lastMonth?: string;
  readonly horizon?: number;
}

export const SECOND_OPERATOR_DEFAULTS = { months: 24, lastMonth: '2026-06', horizon: 3 } as const;
/** Continuations per customer behind its true churn probability. */
export const REPLICAS = 16;

// ---------------------------------------------------------------------------------------------
// Random numbers: a small counter-based stream per customer, independent of the demo's PRNG.

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

class Stream {
  private s: number;
  constructor(...keys: number[]) {
    let h = 0x9e3779b9;
    for (const k of keys) h = mix32(h ^ mix32(k + 0x632be5ab));
    this.s = h;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = Math.max(1e-12, this.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > l) {
      k++;
      p *= this.next();
    }
    return k;
  }
  pick<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r <= 0) return v;
    }
    return items[items.length - 1]![0];
  }
}

/** A uniform number fixed by its keys (shared events: a district's outage, a city's campaign). */
function hashUniform(...keys: number[]): number {
  return new Stream(...keys).next();
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// ---------------------------------------------------------------------------------------------
// The operator's regions, segments and catalogue.

interface District {
  readonly index: number;
  readonly region: string;
  readonly city: number;
  /** Network quality in (0, 1]: rural districts are weaker (outages, dropped calls). */
  readonly quality: number;
  readonly weight: number;
}

const CITIES: readonly { name: string; competition: number; districts: readonly [string, number, number][] }[] = [
  { name: '广东/广州', competition: 0.9, districts: [['天河区', 0.95, 8], ['番禺区', 0.9, 6], ['从化区', 0.72, 2]] },
  { name: '广东/深圳', competition: 1.0, districts: [['南山区', 0.97, 7], ['宝安区', 0.9, 8], ['龙岗区', 0.86, 6]] },
  { name: '广东/湛江', competition: 0.4, districts: [['赤坎区', 0.85, 2], ['雷州市', 0.66, 2]] },
  { name: '广东/梅州', competition: 0.3, districts: [['梅江区', 0.84, 1], ['大埔县', 0.6, 1]] },
  { name: '广西/南宁', competition: 0.6, districts: [['青秀区', 0.9, 3], ['武鸣区', 0.7, 1]] },
  { name: '广西/百色', competition: 0.25, districts: [['右江区', 0.78, 1], ['凌云县', 0.55, 1]] },
  { name: '海南/海口', competition: 0.5, districts: [['美兰区', 0.88, 2], ['龙华区', 0.87, 2]] },
  { name: '福建/厦门', competition: 0.8, districts: [['思明区', 0.94, 3], ['集美区', 0.9, 2]] },
  { name: '福建/龙岩', competition: 0.3, districts: [['新罗区', 0.8, 1], ['长汀县', 0.62, 1]] },
];

const DISTRICTS: readonly District[] = CITIES.flatMap((c, city) => c.districts.map(([d, quality, weight]) => ({ region: `${c.name}/${d}`, city, quality, weight }))).map((d, index) => ({ ...d, index }));

type Segment = 'student' | 'young_pro' | 'family' | 'silver' | 'budget' | 'sme' | 'corporate';
type Tier = 'low' | 'mid' | 'flagship';
type Category = 'voice' | 'mobile_data' | 'broadband' | 'tv_basic' | 'tv_hd' | 'vod' | 'vas' | 'bundle';

const SEGMENT_EFFECT: Record<Segment, number> = { student: 0.55, young_pro: 0.2, family: -0.25, silver: -0.6, budget: 0.35, sme: 0.1, corporate: -0.8 };
const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['retail', 0.35],
  ['hospitality', 0.7],
  ['logistics', 0.15],
  ['manufacturing', -0.25],
  ['education', -0.5],
  ['it_services', 0.05],
  ['finance', -0.35],
];
const INDUSTRY_EFFECT = new Map(INDUSTRIES);

interface ProductDef {
  readonly id: string;
  readonly category: Category;
  readonly fee: number;
}
const P = (id: string, category: Category, fee: number): ProductDef => ({ id, category, fee });
const MOBILE = { lite: P('B-MOB-29', 'voice', 29), std: P('B-MOB-59', 'voice', 59), max: P('B-MOB-129', 'voice', 129), biz: P('B-MOB-BIZ', 'voice', 45) };
const DATA_ADDON = P('B-DATA-30G', 'mobile_data', 25);
const FIBRE = { f100: P('B-FIB-100', 'broadband', 49), f300: P('B-FIB-300', 'broadband', 79), f1000: P('B-FIB-1000', 'broadband', 129) };
const IPTV = P('B-IPTV', 'tv_basic', 20);
const IPTV_HD = P('B-IPTV-4K', 'tv_hd', 15);
const VOD = P('B-VOD-PASS', 'vod', 18);
const VAS = P('B-VAS-CLOUD', 'vas', 8);
const BUNDLE = P('B-HOME-PACK', 'bundle', 169);

// ---------------------------------------------------------------------------------------------
// One customer: static traits and the monthly state.

interface Holding {
  def: ProductDef;
  /** Billed a month: the list fee, 15 % more once the commitment has ended. */
  fee: number;
  /** The list fee written in subscriptions (fixed when the subscription starts). */
  readonly listFee: number;
  seq: number;
  start: string;
  /** Month index the commitment ends in; -1: no commitment. */
  contractEnd: number;
}

interface Customer {
  readonly id: string;
  readonly type: 'individual' | 'business';
  readonly segment: Segment;
  readonly industry: string;
  readonly employees: number;
  readonly lines: number;
  readonly birthDate: string;
  readonly age0: number; // age at the window's start
  readonly gender: 'M' | 'F' | '';
  readonly district: District;
  readonly channel: string;
  readonly joinMonth: number; // month index
  readonly joinDate: string;
  readonly joinDay: number;
  readonly tier: Tier;
  readonly creditBand: string;
  // latent traits
  readonly priceSensitivity: number;
  readonly engagement: number;
  readonly tech: number;
  readonly credit: number; // payment risk, 0..1
  readonly frailty: number; // unobserved churn propensity (log-odds)
  readonly dataNeed: number; // MB a month at full engagement
  readonly voiceNeed: number;
}

interface State {
  holdings: Holding[];
  nextSeq: number;
  dissatisfaction: number;
  deviceAge: number;
  overdueDays: number;
  dormant: number; // consecutive dormant months
  isDormant: boolean;
  offerUntil: number; // month index a retention discount runs to
  /** Decided to leave: month index of the exit and its reason; -1 none. */
  exitMonth: number;
  exitCode: string;
  interactions: number;
  lastExpiry: number; // month index of the last contract expiry seen (-1e9 none)
}

interface Sinks {
  customers: CsvFileWriter;
  subscriptions: CsvFileWriter;
  usage: CsvFileWriter;
  interactions: CsvFileWriter;
  churn: CsvFileWriter;
}

const HEADERS = {
  customers: ['customer_id', 'customer_type', 'join_date', 'region', 'gender', 'birth_date', 'industry', 'employees', 'acquisition_channel', 'marketing_consent', 'x_segment', 'x_handset_tier', 'x_credit_band'],
  subscriptions: ['subscription_id', 'customer_id', 'product_id', 'category', 'start_date', 'end_date', 'contract_end_date', 'monthly_fee'],
  monthly_usage: ['customer_id', 'month', 'revenue', 'cost', 'paid', 'overdue_days', 'voice_minutes', 'data_mb', 'sms', 'calls', 'dropped_calls', 'distinct_contacts', 'care_calls', 'tv_hours', 'vod_orders', 'x_app_logins', 'x_outage_hours', 'x_device_age_months'],
  interactions: ['interaction_id', 'customer_id', 'ts', 'channel', 'kind', 'topic', 'resolved', 'satisfaction'],
  churn_events: ['customer_id', 'churn_date', 'churn_type', 'reason_code', 'competitor'],
} as const;

const pad2 = (n: number) => String(n).padStart(2, '0');
const daysIn = (m: number) => new Date(Date.UTC(Math.floor(m / 12), (m % 12) + 1, 0)).getUTCDate();
const dateIn = (m: number, day: number) => `${formatMonth(m)}-${pad2(Math.min(day, daysIn(m)))}`;
/** A day of month m on or after the customer's join date. */
const dayOf = (r: Stream, c: Customer, m: number) => (m === c.joinMonth ? c.joinDay + r.int(29 - c.joinDay) : 1 + r.int(28));
const money = (x: number) => (Math.round(x * 100) / 100).toFixed(2);
const dec1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

function makeCustomer(r: Stream, slot: number, window0: number, lastFull: number): Customer {
  const business = r.next() < 0.12;
  const segment: Segment = business
    ? r.next() < 0.18 ? 'corporate' : 'sme'
    : r.pick<Segment>([['student', 0.12], ['young_pro', 0.22], ['family', 0.3], ['silver', 0.16], ['budget', 0.2]]);
  const age = segment === 'student' ? 18 + r.int(7) : segment === 'young_pro' ? 24 + r.int(12) : segment === 'family' ? 30 + r.int(26) : segment === 'silver' ? 60 + r.int(26) : segment === 'budget' ? 20 + r.int(50) : 0;
  // Existing base (70 %): tenure at the window's start, long-tailed; the rest join during the window and horizon.
  const existing = r.next() < 0.7;
  const joinMonth = existing ? window0 - Math.round(clamp(Math.exp(3.0 + 0.9 * r.normal()), 1, 240)) : window0 + r.int(lastFull - window0 + 1);
  const day = 1 + r.int(28);
  const districtWeights = DISTRICTS.map((d) => [d, d.weight] as const);
  const district = r.pick(districtWeights);
  const income = segment === 'corporate' ? 1.5 : segment === 'young_pro' ? 1.2 : segment === 'family' ? 1.0 : segment === 'student' ? 0.5 : segment === 'silver' ? 0.6 : segment === 'budget' ? 0.4 : 1.0;
  const tier: Tier = r.next() < 0.25 * income ? 'flagship' : r.next() < 0.5 ? 'mid' : 'low';
  const credit = clamp(0.15 + 0.25 * r.normal() * 0.8 + (segment === 'budget' ? 0.25 : 0) + (segment === 'student' ? 0.1 : 0) - (segment === 'corporate' ? 0.1 : 0), 0, 1);
  const bandScore = credit + 0.12 * r.normal();
  const creditBand = bandScore < 0.15 ? 'A' : bandScore < 0.3 ? 'B' : bandScore < 0.5 ? 'C' : 'D';
  const employees = business ? Math.max(1, Math.round(Math.exp((segment === 'corporate' ? 5.2 : 2.4) + 0.8 * r.normal()))) : -1;
  const lines = business ? Math.max(1, Math.min(400, Math.round(employees * (0.3 + 0.4 * r.next())))) : 1;
  const channel = r.pick([['hall', 0.35], ['online', segment === 'student' || segment === 'young_pro' ? 0.35 : 0.12], ['agent', 0.2], ['hotline', 0.08], ['community', segment === 'silver' ? 0.2 : 0.05], ['other', 0.03]] as const);
  const birthYear = Math.floor(window0 / 12) - age;
  return {
    id: `B${String(slot + 1).padStart(7, '0')}`,
    type: business ? 'business' : 'individual',
    segment,
    industry: business ? r.pick(INDUSTRIES.map(([name]) => [name, 1] as const)) : '',
    employees,
    lines,
    birthDate: business ? '' : `${birthYear}-${pad2(1 + r.int(12))}-${pad2(1 + r.int(28))}`,
    age0: age,
    gender: business ? '' : r.next() < 0.5 ? 'M' : 'F',
    district,
    channel,
    joinMonth,
    joinDate: dateIn(joinMonth, day),
    joinDay: day,
    tier,
    creditBand,
    priceSensitivity: clamp(0.5 + 0.22 * r.normal() - 0.2 * (income - 1), 0, 1),
    engagement: Math.exp(0.45 * r.normal()),
    tech: clamp((segment === 'student' || segment === 'young_pro' ? 0.65 : segment === 'silver' ? 0.15 : 0.4) + 0.2 * r.normal(), 0, 1),
    credit,
    frailty: 0.55 * r.normal(),
    dataNeed: (segment === 'student' ? 30000 : segment === 'young_pro' ? 22000 : segment === 'silver' ? 2500 : segment === 'budget' ? 5000 : 12000) * (tier === 'flagship' ? 1.4 : tier === 'low' ? 0.7 : 1),
    voiceNeed: segment === 'silver' ? 260 : segment === 'student' ? 90 : segment === 'budget' ? 150 : 320,
  };
}

function initialHoldings(c: Customer, r: Stream, window0: number): Holding[] {
  const out: Holding[] = [];
  const add = (def: ProductDef, fee = def.fee, term = 0) => {
    const start = c.joinDate;
    let contractEnd = -1;
    // A new customer starts a commitment; one already on the books is out of contract (35 %)
    // or somewhere inside its term.
    if (term > 0) contractEnd = c.joinMonth >= window0 ? c.joinMonth + term : r.next() < 0.35 ? -1 : window0 + r.int(term);
    out.push({ def, fee, listFee: fee, seq: out.length + 1, start, contractEnd });
  };
  const s = c.segment;
  if (s === 'sme' || s === 'corporate') {
    add(MOBILE.biz, Math.round(MOBILE.biz.fee * c.lines * (s === 'corporate' ? 0.8 : 1)), 24);
    if (r.next() < 0.75) add(s === 'corporate' ? FIBRE.f1000 : FIBRE.f300, undefined, 24);
    if (r.next() < 0.3) add(VAS);
    return out;
  }
  if (s === 'family' && r.next() < 0.45) {
    add(BUNDLE, BUNDLE.fee, 24);
    if (r.next() < 0.4) add(VOD);
    return out;
  }
  const plan = s === 'budget' || s === 'silver' ? MOBILE.lite : s === 'young_pro' && r.next() < 0.35 ? MOBILE.max : MOBILE.std;
  add(plan, plan.fee, s === 'budget' ? 0 : r.next() < 0.7 ? 12 : 0);
  if (c.dataNeed > 15000 && r.next() < 0.5) add(DATA_ADDON);
  const fibre = s === 'family' ? 0.75 : s === 'young_pro' ? 0.5 : s === 'silver' ? 0.25 : s === 'student' ? 0.15 : 0.1;
  if (r.next() < fibre) add(r.next() < 0.5 ? FIBRE.f100 : FIBRE.f300, undefined, 12);
  if ((s === 'family' || s === 'silver') && r.next() < 0.55) {
    add(IPTV);
    if (r.next() < 0.3) add(IPTV_HD);
    if (r.next() < 0.3) add(VOD);
  }
  if (r.next() < 0.15) add(VAS);
  return out;
}

const has = (st: State, ...cats: Category[]) => st.holdings.some((h) => cats.includes(h.def.category));
const hasFibre = (st: State) => has(st, 'broadband', 'bundle');
const hasMobile = (st: State) => has(st, 'voice', 'bundle');
const hasTv = (st: State) => has(st, 'tv_basic', 'tv_hd', 'bundle');

const sharedEvents = new Map<number, number>();

/** A district's fibre outage episode in month m (shared by its customers): hours, 0 without. */
function districtOutage(seed: number, d: District, m: number): number {
  const key = (seed * 64 + d.index) * 100_000 + m;
  let v = sharedEvents.get(key);
  if (v === undefined) {
    const rate = 0.02 + 0.35 * (1 - d.quality);
    v = hashUniform(seed, 7001, d.index, m) < rate ? 6 + 40 * hashUniform(seed, 7002, d.index, m) : 0;
    sharedEvents.set(key, v);
  }
  return v;
}

/** A competitor's campaign in the city in month m. */
function cityCampaign(seed: number, city: number, m: number): boolean {
  const key = -((seed * 64 + city) * 100_000 + m) - 1;
  let v = sharedEvents.get(key);
  if (v === undefined) {
    v = hashUniform(seed, 7003, city, m) < 0.22 * (CITIES[city]?.competition ?? 0.5) ? 1 : 0;
    sharedEvents.set(key, v);
  }
  return v === 1;
}

interface MonthOutcome {
  /** Probability of deciding to leave this month (voluntary) and its reason. */
  hVoluntary: number;
  voluntaryCode: string;
  /** Probability of an involuntary exit this month and its reason. */
  hInvoluntary: number;
  involuntaryCode: string;
}

interface Emit {
  readonly sinks: Sinks;
}

const REASON_COMPETITOR = ['移动', '联通', '电信', '广电'];

/**
 * One month of a customer's life: events, state, usage row and the month's exit hazards.
 * `emit` null: a continuation for the true probability (nothing written).
 */
function stepMonth(seed: number, c: Customer, st: State, m: number, r: Stream, emit: Emit | null): MonthOutcome {
  const leaving = st.exitMonth >= 0; // decided; leaves at exitMonth
  const d = c.district;
  const campaign = cityCampaign(seed, d.city, m);
  const season = Math.floor(m % 12) === 8 || Math.floor(m % 12) === 9 ? 1 : 0; // new handsets in Sep/Oct
  const interaction = (kind: string, topic: string, resolved: string, satisfaction: number | null, channel?: string) => {
    st.interactions++;
    if (!emit) return;
    const ts = `${dateIn(m, dayOf(r, c, m))} ${pad2(8 + r.int(12))}:${pad2(r.int(60))}:00`;
    const ch = channel ?? r.pick([['hotline', 0.45], ['app', 0.25], ['hall', 0.2], ['online', 0.1]] as const);
    emit.sinks.interactions.push(`${c.id}-I${st.interactions},${c.id},${ts},${ch},${kind},${topic},${resolved},${satisfaction ?? ''}\n`);
  };

  // Fibre outages (the district's episode plus the line's own faults) and repairs.
  let outage = 0;
  let unresolved = 0;
  let resolvedContacts = 0;
  if (hasFibre(st)) {
    outage = districtOutage(seed, d, m) * (0.6 + 0.8 * r.next()) + (r.next() < 0.1 * (1.3 - d.quality) ? 2 + 10 * r.next() : 0);
    const repairs = r.poisson(1 - Math.exp(-0.09 * outage));
    for (let i = 0; i < repairs; i++) {
      const ok = r.next() < 0.55 + 0.35 * d.quality;
      if (ok) resolvedContacts++;
      else unresolved++;
      interaction('repair', 'fibre_fault', ok ? 'true' : 'false', r.next() < 0.6 ? clamp(Math.round(ok ? 4 - 0.5 * r.next() * 2 : 2 - r.next() * 1.5), 1, 5) : null);
    }
  }
  // Billing disputes.
  if (r.next() < 0.006 + (st.offerUntil === m ? 0.05 : 0)) {
    const ok = r.next() < 0.6;
    if (!ok) unresolved++;
    interaction('complaint', 'billing', ok ? 'true' : 'false', r.next() < 0.5 ? (ok ? 3 : 1) : null);
  }
  // Dissatisfaction: AR(1) with shocks.
  st.dissatisfaction = 0.8 * st.dissatisfaction + 0.055 * Math.pow(outage, 0.8) + 0.9 * unresolved + 0.15 * resolvedContacts + 0.28 * r.normal();

  // Contracts: expiry, out-of-contract price step, renewals through retention offers or device orders.
  let expiring = false;
  for (const h of st.holdings) {
    if (h.contractEnd === m) {
      expiring = true;
      st.lastExpiry = m;
      h.fee = Math.round(h.fee * 1.15 * 100) / 100; // promotional price ends (the list fee stays as signed)
      st.dissatisfaction += 0.35 * c.priceSensitivity;
    }
  }
  const inContract = st.holdings.some((h) => h.contractEnd > m);
  const renew = (term: number, discount: number) => {
    // The main holding re-contracts as a new subscription (its old row ends today).
    const main = st.holdings.find((h) => h.def.category === 'voice' || h.def.category === 'bundle' || h.def.category === 'broadband');
    if (!main) return;
    const date = dateIn(m, dayOf(r, c, m));
    if (emit) emit.sinks.subscriptions.push(subscriptionLine(c, main, date));
    const fee = Math.round(main.listFee * (1 - discount) * 100) / 100;
    const next: Holding = { def: main.def, fee, listFee: fee, seq: st.nextSeq++, start: date, contractEnd: m + term };
    st.holdings[st.holdings.indexOf(main)] = next;
  };
  // Proactive retention offers to customers out of contract.
  if (!leaving && !inContract && r.next() < 0.06) {
    const accepted = r.next() < 0.35;
    interaction('offer', accepted ? 'retention_discount_accepted' : 'retention_discount', '', null, r.next() < 0.5 ? 'hotline' : 'app');
    if (accepted) {
      renew(12, 0.12);
      st.offerUntil = m + 12;
      st.dissatisfaction -= 0.4;
    }
  }
  // Device: ages a month; tech-minded customers replace it (an order, often with a new contract).
  if (hasMobile(st)) {
    st.deviceAge++;
    const wantsNew = st.deviceAge > 18 ? 0.02 + 0.05 * c.tech + 0.04 * season : 0.003;
    if (!leaving && r.next() < wantsNew) {
      st.deviceAge = 0;
      interaction('order', 'handset_upgrade', 'true', r.next() < 0.3 ? 4 + r.int(2) : null, 'hall');
      if (r.next() < 0.6) renew(24, 0);
    }
  }
  // Inquiries: shopping around (campaigns, expiry) and, once decided, porting questions.
  const inquiryRate = 0.04 + 0.25 * sigmoid(2 * (st.dissatisfaction - 1.2)) + (campaign ? 0.15 * c.priceSensitivity : 0) + (expiring ? 0.25 : 0) + (leaving ? 0.6 : 0);
  for (let i = r.poisson(inquiryRate); i > 0; i--) interaction('inquiry', leaving && r.next() < 0.6 ? 'number_porting' : r.pick([['tariff', 2], ['contract', expiring ? 3 : 1], ['coverage', 1]] as const), 'true', null);
  if (leaving && r.next() < 0.35) interaction('cancel_request', 'cancel', r.next() < 0.5 ? 'true' : '', null);
  // Care contacts (noise): birthdays and courtesy calls.
  if (r.next() < (c.segment === 'silver' ? 0.08 : 0.03)) interaction('care', 'courtesy_call', 'true', r.next() < 0.5 ? 4 + r.int(2) : null, 'hotline');
  // Complaints out of lasting dissatisfaction.
  if (r.next() < 0.02 * Math.max(0, st.dissatisfaction)) interaction('complaint', 'service', r.next() < 0.5 ? 'true' : 'false', r.next() < 0.6 ? 1 + r.int(2) : null);

  // Payment: missed bills accumulate overdue days; some are paid back.
  let paidShare = 1;
  if (st.overdueDays > 0) {
    if (r.next() < 0.45) st.overdueDays = 0;
    else {
      st.overdueDays += 30;
      paidShare = 0;
    }
  } else if (r.next() < 0.004 + 0.09 * Math.pow(c.credit, 2.5)) {
    st.overdueDays = 1 + r.int(20);
    paidShare = 0;
  }
  // Dormancy (budget accounts used as spare SIMs).
  if (c.segment === 'budget') {
    if (st.isDormant) st.isDormant = r.next() < 0.85;
    else st.isDormant = r.next() < 0.012;
    st.dormant = st.isDormant ? st.dormant + 1 : 0;
  }

  // Usage levels: engagement, falling with dissatisfaction and once the customer has decided.
  const mood = Math.exp(-0.22 * Math.max(0, st.dissatisfaction)) * (leaving ? 0.55 : 1) * (st.isDormant ? 0 : 1);
  const partial = st.exitMonth === m ? 0.5 : 1;
  if (emit) {
    const mobile = hasMobile(st);
    const lines = c.lines;
    const ln = () => Math.exp(0.25 * r.normal());
    const voice = mobile ? c.voiceNeed * lines * c.engagement * mood * partial * ln() : 0;
    const data = mobile ? c.dataNeed * lines * Math.pow(c.engagement, 0.7) * Math.pow(mood, 1.4) * partial * ln() : 0;
    const calls = mobile ? Math.round(voice / (2.2 + r.next())) : 0;
    const dropRate = 0.006 + 0.06 * (1 - d.quality) + (districtOutage(seed, d, m) > 0 ? 0.02 : 0);
    const dropped = Math.min(calls, r.poisson(calls * dropRate));
    const tv = hasTv(st) ? (c.segment === 'silver' ? 110 : 70) * c.engagement * mood * partial * ln() : null;
    const vod = has(st, 'vod', 'bundle') ? r.poisson(2.5 * c.engagement * mood) : null;
    const fees = st.holdings.reduce((s, h) => s + h.fee, 0);
    const overage = mobile && !has(st, 'mobile_data', 'bundle') ? Math.max(0, data / lines - 20000) * 0.001 * lines : 0;
    const revenue = Math.max(0, (fees + overage) * partial * (st.offerUntil >= m ? 0.9 : 1));
    const cost = revenue * (0.35 + 0.1 * r.next()) + outage * 0.8;
    const logins = r.poisson((c.segment === 'silver' ? 1 : 5) * c.engagement * (0.4 + 0.6 * mood) * (c.tech + 0.3) * partial + (st.overdueDays > 0 ? 1 : 0));
    const careCalls = r.poisson(0.05 + 0.25 * Math.max(0, st.dissatisfaction) + unresolved * 0.8);
    const contacts = mobile ? Math.round(Math.min(calls, (12 + 25 * c.engagement) * Math.sqrt(lines) * (0.6 + 0.4 * mood))) : null;
    const sms = mobile ? r.poisson((c.segment === 'silver' || c.segment === 'budget' ? 25 : 8) * mood * partial) : null;
    emit.sinks.usage.push(
      [
        c.id,
        formatMonth(m),
        money(revenue),
        money(cost),
        money(revenue * paidShare),
        String(st.overdueDays),
        mobile ? dec1(voice) : '',
        mobile ? dec1(data) : '',
        sms === null ? '' : String(sms),
        mobile ? String(calls) : '',
        mobile ? String(dropped) : '',
        contacts === null ? '' : String(contacts),
        String(careCalls),
        tv === null ? '' : dec1(tv),
        vod === null ? '' : String(vod),
        String(logins),
        hasFibre(st) ? dec1(outage) : '',
        mobile ? String(st.deviceAge) : '',
      ].join(',') + '\n',
    );
  }

  // Hazards of this month.
  if (leaving) return { hVoluntary: 0, voluntaryCode: '', hInvoluntary: 0, involuntaryCode: '' };
  const tenure = m - c.joinMonth;
  const categories = new Set(st.holdings.map((h) => (h.def.category === 'tv_hd' || h.def.category === 'vod' ? 'tv_basic' : h.def.category))).size;
  const monthsSinceExpiry = m - st.lastExpiry;
  const contractTerm = inContract ? -1.1 : monthsSinceExpiry <= 3 ? 0.75 : 0.35;
  const tenureTerm = tenure < 6 ? 0.5 : tenure < 12 ? 0.25 : tenure > 60 ? -0.35 : 0;
  const device = c.type === 'individual' && hasMobile(st) ? 1.1 * c.tech * clamp((st.deviceAge - 20) / 12, 0, 1.5) * (1 + 0.5 * season) : 0;
  const price = (campaign ? 1.3 * c.priceSensitivity : 0) + 0.6 * (c.priceSensitivity - 0.5) * (st.offerUntil >= m ? 0 : 1);
  const logit =
    -4.8 +
    SEGMENT_EFFECT[c.segment] +
    (INDUSTRY_EFFECT.get(c.industry) ?? 0) +
    0.8 * st.dissatisfaction +
    contractTerm +
    tenureTerm +
    device +
    price -
    0.38 * (categories - 1) -
    0.3 * Math.log(c.engagement) +
    (st.offerUntil >= m ? -0.6 : 0) +
    c.frailty;
  const hBase = sigmoid(logit);
  const hRelocation = 0.0012;
  const hVoluntary = hBase + hRelocation;
  // The reason follows the strongest driver.
  const drivers: [string, number][] = [
    ['205', 0.8 * Math.max(0, st.dissatisfaction) * (outage > 0 ? 1.5 : 0.5)],
    ['103', 0.8 * Math.max(0, st.dissatisfaction) * (outage > 0 ? 0.5 : 1)],
    ['102', campaign ? 1.3 * c.priceSensitivity : 0],
    ['101', 0.6 * c.priceSensitivity + (monthsSinceExpiry <= 3 ? 0.5 : 0)],
    ['105', device],
    ['212', c.type === 'business' ? Math.max(0, INDUSTRY_EFFECT.get(c.industry) ?? 0) : 0],
    ['211', 0.15],
  ];
  drivers.sort((a, b) => b[1] - a[1]);
  const voluntaryCode = r.next() < hRelocation / hVoluntary ? '210' : drivers[0]![0];
  let hInvoluntary = 0;
  let involuntaryCode = '';
  if (st.overdueDays >= 90) {
    hInvoluntary = 0.5;
    involuntaryCode = '335';
  } else if (st.dormant >= 3) {
    hInvoluntary = 0.6;
    involuntaryCode = '380';
  }
  return { hVoluntary, voluntaryCode, hInvoluntary, involuntaryCode };
}

function subscriptionLine(c: Customer, h: Holding, end: string): string {
  const contractEnd = h.contractEnd >= 0 ? dateIn(h.contractEnd, 28) : '';
  return `${c.id}-S${h.seq},${c.id},${h.def.id},${h.def.category},${h.start},${end},${contractEnd},${money(h.listFee)}\n`;
}

function cloneState(st: State): State {
  return { ...st, holdings: st.holdings.map((h) => ({ ...h })) };
}

/** Exit in the same month or up to 2 months after the decision. */
const LAG_P = [0.5, 0.35, 0.15] as const;

/**
 * Probability of leaving in months (last, last + horizon] given the state at the end of
 * `last`: averaged over REPLICAS continuations, each the exact exit probability along its
 * path of hazards (the decision and the lag integrated out).
 */
function trueProbability(seed: number, c: Customer, st: State, last: number, horizon: number, slot: number): number {
  if (st.exitMonth >= 0) return st.exitMonth <= last + horizon ? 1 : 0;
  let sum = 0;
  for (let k = 0; k < REPLICAS; k++) {
    const r = new Stream(seed, slot, 99_991, k);
    const s = cloneState(st);
    let alive = 1; // probability of no decision and no exit so far
    let p = 0;
    for (let j = 1; j <= horizon; j++) {
      const o = stepMonth(seed, c, s, last + j, r, null);
      let fits = 0;
      for (let lag = 0; lag < LAG_P.length && j + lag <= horizon; lag++) fits += LAG_P[lag] as number;
      const hv = Math.min(1, o.hVoluntary);
      p += alive * (hv * fits + (1 - hv) * o.hInvoluntary);
      alive *= (1 - hv) * (1 - o.hInvoluntary);
    }
    sum += p;
  }
  return sum / REPLICAS;
}

export interface SecondOperatorResult {
  readonly files: Record<string, number>;
  /** The closing base of the last window month with its true probability of leaving within the horizon. */
  readonly pTrue: Map<string, number>;
}

/** Writes the files (window + horizon months) and p_true.csv into outDir. */
export async function writeSecondOperator(o: SecondOperatorOptions): Promise<SecondOperatorResult> {
  if (!Number.isSafeInteger(o.customers) || o.customers < 1) throw new RangeError(`customers must be a positive integer, got ${o.customers}`);
  const horizon = o.horizon ?? SECOND_OPERATOR_DEFAULTS.horizon;
  const last = parseMonth(o.lastMonth ?? SECOND_OPERATOR_DEFAULTS.lastMonth);
  const months = o.months;
  const window0 = last - months + 1;
  const end = last + horizon;
  mkdirSync(o.outDir, { recursive: true });
  const open = (name: keyof typeof HEADERS) => new CsvFileWriter(join(o.outDir, `${name}.csv`), HEADERS[name]);
  const sinks: Sinks = { customers: open('customers'), subscriptions: open('subscriptions'), usage: open('monthly_usage'), interactions: open('interactions'), churn: open('churn_events') };
  const truth = new CsvFileWriter(join(o.outDir, 'p_true.csv'), ['customer_id', 'p_true']);
  const all = [...Object.values(sinks), truth];
  const pTrue = new Map<string, number>();

  for (let slot = 0; slot < o.customers; slot++) {
    const r = new Stream(o.seed, slot);
    const c = makeCustomer(r, slot, window0, end);
    const st: State = {
      holdings: initialHoldings(c, r, window0),
      nextSeq: 0,
      dissatisfaction: 0.3 + 0.5 * r.normal(),
      deviceAge: c.joinMonth < window0 ? r.int(36) : 0,
      overdueDays: 0,
      dormant: 0,
      isDormant: false,
      offerUntil: -1,
      exitMonth: -1,
      exitCode: '',
      interactions: 0,
      lastExpiry: -1e9,
    };
    st.nextSeq = st.holdings.length + 1;
    const consent = r.next() < 0.8 ? 'true' : r.next() < 0.5 ? 'false' : '';
    sinks.customers.push(
      `${c.id},${c.type},${c.joinDate},${c.district.region},${c.gender},${c.birthDate},${c.industry},${c.employees >= 0 ? c.employees : ''},${c.channel},${consent},${c.segment},${c.tier},${c.creditBand}\n`,
    );
    const emit: Emit = { sinks };
    let exitDate = '';
    for (let m = Math.max(window0, c.joinMonth); m <= end; m++) {
      const outcome = stepMonth(o.seed, c, st, m, r, emit);
      if (st.exitMonth < 0) {
        // The decision (voluntary first, as trueProbability integrates it) and its exit month.
        if (r.next() < outcome.hVoluntary) {
          const u = r.next();
          st.exitMonth = m + (u < LAG_P[0] ? 0 : u < LAG_P[0] + LAG_P[1] ? 1 : 2);
          st.exitCode = outcome.voluntaryCode;
        } else if (r.next() < outcome.hInvoluntary) {
          st.exitMonth = m;
          st.exitCode = outcome.involuntaryCode;
        }
      }
      if (st.exitMonth === m) {
        exitDate = dateIn(m, dayOf(r, c, m));
        const involuntary = st.exitCode === '335' || st.exitCode === '380';
        const competitor = !involuntary && (st.exitCode === '102' || r.next() < 0.3) ? REASON_COMPETITOR[r.int(REASON_COMPETITOR.length)] : '';
        sinks.churn.push(`${c.id},${exitDate},${involuntary ? 'involuntary' : 'voluntary'},${st.exitCode},${competitor}\n`);
        break;
      }
      if (m === last) {
        const p = trueProbability(o.seed, c, st, last, horizon, slot);
        pTrue.set(c.id, p);
        truth.push(`${c.id},${p.toFixed(6)}\n`);
      }
    }
    for (const h of st.holdings) sinks.subscriptions.push(subscriptionLine(c, h, exitDate));
    if (all.some((w) => w.mustDrain)) await Promise.all(all.map((w) => w.drain()));
  }
  await Promise.all(all.map((w) => w.close()));
  return {
    files: { customers: sinks.customers.rows, subscriptions: sinks.subscriptions.rows, monthly_usage: sinks.usage.rows, interactions: sinks.interactions.rows, churn_events: sinks.churn.rows },
    pTrue,
  };
}
