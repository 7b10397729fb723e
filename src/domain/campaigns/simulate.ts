/**
 * A synthetic operator with past randomized retention campaigns whose effect is planted and
 * known: the ground truth for checking campaign evaluation (intervals that cover the effect)
 * and, later, uplift models (persuadables that are not simply the riskiest customers).
 *
 * Each customer has a monthly churn hazard (lognormal around 2 %) and a monthly bill. Each
 * campaign draws its own members (no customer is in two campaigns, so effects never mix),
 * assigns them at random to a control arm and offer arms, and plants a response type per
 * member: persuadable (a reached member's hazard falls by the offer's strength), sure thing
 * (low risk, no effect), lost cause (high risk, no effect) or sleeping dog (contact raises the
 * hazard). Types depend on risk only loosely, so targeting by risk alone is not targeting by
 * uplift. Only reached members are affected (the intention-to-treat effect is diluted by reach);
 * a few control members are contacted by mistake (contamination, no effect planted).
 *
 * Common random numbers make the counterfactual exact: every member's churn in the window is
 * drawn once with and once without the offer from the same uniforms, so the planted effect of
 * an arm is the mean over its members of churn without minus churn with the offer.
 * Deterministic per seed.
 */
import { addMonths, monthRange, type MonthText } from '../month.ts';
import { Rng } from '../demo/random.ts';

export type ResponseType = 'persuadable' | 'sure_thing' | 'lost_cause' | 'sleeping_dog';

export interface OfferDesign {
  readonly offerId: string;
  /** Hazard multiplier of a reached persuadable during the window (0.3 = 70 % less churn). */
  readonly persuadableFactor: number;
  /** Hazard multiplier of a reached sleeping dog. */
  readonly sleepingDogFactor: number;
  readonly monthlyDiscount: number;
  readonly contactCost: number;
}

export interface CampaignSimOptions {
  readonly seed: number;
  readonly customers: number;
  /** Last month of data; the data covers `months` months up to it. */
  readonly endMonth: MonthText;
  readonly months: number;
  readonly campaigns: number;
  readonly membersPerCampaign: number;
  readonly horizonMonths: number;
  readonly controlShare: number;
  readonly offers: readonly OfferDesign[];
  /** Share of offer-arm members reached. */
  readonly reach: number;
  /** Share of control members contacted by mistake. */
  readonly contamination: number;
}

export const DEFAULT_OFFERS: readonly OfferDesign[] = [
  { offerId: 'STRONG', persuadableFactor: 0.2, sleepingDogFactor: 1.8, monthlyDiscount: 15, contactCost: 2 },
  { offerId: 'WEAK', persuadableFactor: 0.7, sleepingDogFactor: 1.3, monthlyDiscount: 5, contactCost: 1 },
  { offerId: 'NULL', persuadableFactor: 1, sleepingDogFactor: 1, monthlyDiscount: 10, contactCost: 1 },
];

export interface PlantedArm {
  readonly campaignId: string;
  readonly arm: string;
  readonly members: number;
  /** Mean over the arm's members of churn in the window without the offer minus with it. */
  readonly plantedUplift: number;
}

export interface SimulatedCampaignData {
  /** CSV text per contract file name, header first. */
  readonly files: Record<string, string>;
  readonly planted: readonly PlantedArm[];
}

interface Customer {
  id: string;
  hazard: number;
  bill: number;
  /** Month index (into the window) of the exit, or -1. */
  exit: number;
}

const TYPE_ORDER: readonly ResponseType[] = ['persuadable', 'sure_thing', 'lost_cause', 'sleeping_dog'];

/** Response type given the risk rank r in [0, 1): loosely tied to risk, never determined by it. */
function drawType(rng: Rng, r: number): ResponseType {
  const weights = [0.3 + 0.2 * Math.sin(Math.PI * r), 0.35 * (1 - r), 0.35 * r, 0.08];
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return TYPE_ORDER[i] as ResponseType;
  }
  return 'sleeping_dog';
}

/** First window month (index) in [from, to) at which the customer leaves, given uniforms and hazards. */
function exitMonth(uniforms: Float64Array, hazardAt: (t: number) => number, from: number, to: number): number {
  for (let t = from; t < to; t++) if ((uniforms[t] as number) < hazardAt(t)) return t;
  return -1;
}

export function simulateCampaigns(o: CampaignSimOptions): SimulatedCampaignData {
  const rng = new Rng(o.seed, 7_001);
  const window = monthRange(addMonths(o.endMonth, -(o.months - 1)), o.endMonth);
  const customers: Customer[] = [];
  const uniforms: Float64Array[] = [];
  for (let i = 0; i < o.customers; i++) {
    const u = new Float64Array(o.months);
    for (let t = 0; t < o.months; t++) u[t] = rng.uniform();
    uniforms.push(u);
    const hazard = Math.min(0.25, rng.lognormal(Math.log(0.02), 0.8));
    customers.push({ id: `S${String(i + 1).padStart(7, '0')}`, hazard, bill: Math.round(rng.lognormal(Math.log(70), 0.5) * 100) / 100, exit: -1 });
  }
  // Baseline exits; campaign members are redrawn below over their window.
  customers.forEach((c, i) => (c.exit = exitMonth(uniforms[i] as Float64Array, () => c.hazard, 0, o.months)));

  const members: string[] = ['campaign_id,customer_id,arm,assigned_date,contacted_ts,response'];
  const campaigns: string[] = ['campaign_id,name,purpose,start_date,horizon_months'];
  const discounts = new Map<number, { discount: number; from: number; to: number }>();
  const planted: PlantedArm[] = [];
  const order = customers.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  let next = 0;
  const lastStart = o.months - o.horizonMonths;
  for (let k = 0; k < o.campaigns; k++) {
    const start = rng.int(Math.min(3, lastStart), lastStart);
    const campaignId = `K${String(k + 1).padStart(3, '0')}`;
    const startDate = `${window[start]}-01`;
    campaigns.push(`${campaignId},Retention ${k + 1},retention,${startDate},${o.horizonMonths}`);
    // Members: customers still active at the start, drawn without replacement across campaigns.
    const chosen: number[] = [];
    while (chosen.length < o.membersPerCampaign && next < order.length) {
      const i = order[next++] as number;
      const c = customers[i] as Customer;
      if (c.exit === -1 || c.exit >= start) chosen.push(i);
    }
    const ranks = [...chosen].sort((a, b) => (customers[a] as Customer).hazard - (customers[b] as Customer).hazard);
    const rankOf = new Map(ranks.map((i, r) => [i, r / ranks.length]));
    const tally = new Map<string, { members: number; effect: number }>();
    for (const i of chosen) {
      const c = customers[i] as Customer;
      const u = uniforms[i] as Float64Array;
      const arm = rng.chance(o.controlShare) ? 'control' : (o.offers[rng.int(0, o.offers.length - 1)] as OfferDesign).offerId;
      const type = drawType(rng, rankOf.get(i) as number);
      const offer = o.offers.find((x) => x.offerId === arm);
      const reached = offer ? rng.chance(o.reach) : rng.chance(o.contamination);
      const factor = !offer || !reached ? 1 : type === 'persuadable' ? offer.persuadableFactor : type === 'sleeping_dog' ? offer.sleepingDogFactor : 1;
      const end = start + o.horizonMonths;
      const hazardWith = (t: number) => Math.min(1, c.hazard * (t < end ? factor : 1));
      // Counterfactual pair from the same uniforms: exit from the start on, with and without.
      const without = exitMonth(u, () => c.hazard, start, o.months);
      const withOffer = exitMonth(u, hazardWith, start, o.months);
      const inWindow = (t: number) => t >= 0 && t < end;
      const t = tally.get(arm) ?? { members: 0, effect: 0 };
      t.members++;
      if (offer) t.effect += Number(inWindow(without)) - Number(inWindow(withOffer));
      tally.set(arm, t);
      c.exit = offer ? withOffer : without;
      const accepted = offer !== undefined && reached && offer.monthlyDiscount > 0 && rng.chance(0.6);
      if (accepted) discounts.set(i, { discount: offer.monthlyDiscount, from: start, to: end });
      const day = String(rng.int(1, 20)).padStart(2, '0');
      const contact = reached ? `${window[start]}-${day} 10:00,${accepted ? 'accepted' : 'declined'}` : offer ? ',no_answer' : ',';
      members.push(`${campaignId},${c.id},${arm},${window[Math.max(0, start - 1)]}-25,${contact}`);
    }
    for (const [arm, t] of tally) if (arm !== 'control') planted.push({ campaignId, arm, members: t.members, plantedUplift: t.effect / t.members });
  }

  const customerLines = ['customer_id,customer_type,join_date,region,marketing_consent'];
  const usage = ['customer_id,month,revenue'];
  const churn = ['customer_id,churn_date,churn_type,reason_code'];
  customers.forEach((c, i) => {
    customerLines.push(`${c.id},individual,2020-01-15,甘肃/酒泉,true`);
    const last = c.exit === -1 ? o.months : c.exit;
    const d = discounts.get(i);
    for (let t = 0; t < last; t++) {
      const bill = d && t >= d.from && t < d.to ? Math.max(0, c.bill - d.discount) : c.bill;
      usage.push(`${c.id},${window[t]},${bill.toFixed(2)}`);
    }
    if (c.exit >= 0) churn.push(`${c.id},${window[c.exit]}-15,voluntary,101`);
  });
  const offers = ['offer_id,name,kind,monthly_discount,months,contact_cost'];
  for (const x of o.offers) offers.push(`${x.offerId},${x.offerId} offer,discount,${x.monthlyDiscount},${o.horizonMonths},${x.contactCost}`);
  const text = (lines: string[]) => lines.join('\n') + '\n';
  return {
    files: {
      customers: text(customerLines),
      monthly_usage: text(usage),
      churn_events: text(churn),
      offers: text(offers),
      campaigns: text(campaigns),
      campaign_members: text(members),
    },
    planted,
  };
}
