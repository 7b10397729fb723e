/**
 * Past retention campaigns of the demo operator (contract v2 `campaigns`, `campaign_members`):
 * randomized, with a control group, aimed at customers who looked at risk, with an effect that
 * differs by customer and acts through the simulation itself (simulate.ts), so a treated
 * member's churn and bills really change.
 *
 * Schedule. One campaign every 4 months, the last one's 3-month window ending a month before
 * the data does, the first one after 7 months of history (the churn model's features need 6):
 * up to 4 campaigns, so one can be held out when learning who responds. Every campaign has a
 * control arm and the discount R10 (月费立减, which dilutes ARPU); the second offer alternates
 * between a care call (CARE) and bonus data (DATA5G).
 *
 * Who is targeted. At the end of the month before the start the operator ranks its base by a
 * risk score and takes those above a cut-off: here the customer's true 3-month chance of a
 * leave decision, or the visible signs of one already taken, of arrears or of dormancy, times a
 * model error, so the target is a plausible at-risk list, not a perfect one. Customers who are
 * not contactable (no marketing consent, blank included) or in their first 3 months are never
 * targeted, not even into the control arm (as `tenure campaign design` does).
 *
 * What an offer does. Each offer addresses some reasons of leaving (its hazard multipliers by
 * reason code below) and only works on members reached who accept it:
 * - while it runs, the addressed reasons' monthly hazards are multiplied (fewer decisions);
 * - a member who had already decided to leave is saved with chance (1 − multiplier of the
 *   reason) × how early the decision still is: the month after deciding most can be turned
 *   around, after three months (number ported, contract signed elsewhere) nobody.
 * So persuadables are the early, addressable leavers and the price-driven; lost causes are the
 * customers in arrears or dormant (no offer makes them pay or use the service) and the
 * late-stage leavers, who show the loudest signals and are the riskiest, and those leaving for
 * coverage, network or relocation; sure things are the low-risk ones; sleeping dogs are
 * long-tenured, out-of-contract, disengaged customers whom the call reminds to shop around
 * (a share of them decide to leave at contact). Acceptance is likelier when the offer
 * addresses what drives the customer's risk.
 *
 * Randomness comes from one stream per (campaign, customer slot), drawn in a fixed order at
 * selection time, so the customers never targeted keep their history exactly, and a member's
 * history with and without the offer (simulate.ts runs both) share every random number up to
 * the contact and as long as their paths agree: the generator knows each member's churn in the
 * window with and without the offer.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { pad2 } from './calendar.ts';
import type { DemoContext } from './context.ts';
import { type VoluntaryCode, VOLUNTARY_CODES } from './hazard.ts';
import { Rng } from './random.ts';

export const CAMPAIGN_HORIZON_MONTHS = 3;
const CAMPAIGN_SPACING = 4;
const MAX_CAMPAIGNS = 4;
/** Months of history before the first campaign's start (features as of the month before read 6). */
const FIRST_START_AFTER = 7;
/** Targeting cut-off on the operator's noisy 3-month risk score. */
const TARGET_CUTOFF = 0.15;
/** Spread (log scale) of the operator's model error in the risk score. */
const TARGET_NOISE = 0.5;
const REACH = 0.85;
/** Control members contacted by mistake (contamination; no effect). */
const CONTAMINATION = 0.02;
/** Save chance of a decided leaver by months since the decision at contact (index ≥ 4: 0). */
const EARLY_ENOUGH = [1, 1, 0.6, 0.1];
const SLEEPING_DOG_TRIGGER = 0.3;

export type OfferId = 'R10' | 'DATA5G' | 'CARE';

export interface DemoOfferEffect {
  readonly offerId: OfferId;
  /** Hazard multiplier per voluntary reason code while the offer runs (absent = 1). */
  readonly factors: Partial<Record<VoluntaryCode, number>>;
  /** Months the offer runs (the hazard effect and any discount). */
  readonly months: number;
  /** Revenue given up per month while it runs (R10 of the offer catalogue). */
  readonly monthlyDiscount: number;
  readonly channel: 'hotline' | 'sms' | 'agent';
}

export const DEMO_OFFER_EFFECTS: Record<OfferId, DemoOfferEffect> = {
  // A price cut answers price and competitor offers; it cannot fix coverage or a move.
  R10: { offerId: 'R10', factors: { '101': 0.1, '102': 0.25, '103': 0.7, '104': 0.6, '105': 0.5, '207': 0.5, '212': 0.4 }, months: 6, monthlyDiscount: 10, channel: 'hotline' },
  // Bonus data answers the pull of new technology and, a little, price.
  DATA5G: { offerId: 'DATA5G', factors: { '101': 0.6, '102': 0.75, '104': 0.7, '105': 0.25 }, months: 3, monthlyDiscount: 0, channel: 'sms' },
  // An account manager's call resolves service and billing grievances, and some network ones.
  CARE: { offerId: 'CARE', factors: { '103': 0.2, '207': 0.2, '205': 0.5, '206': 0.8, '101': 0.85, '104': 0.8 }, months: 3, monthlyDiscount: 0, channel: 'agent' },
};

const FACTOR_ARRAYS = Object.fromEntries(
  Object.values(DEMO_OFFER_EFFECTS).map((o) => [o.offerId, Float64Array.from(VOLUNTARY_CODES, (c) => o.factors[c] ?? 1)]),
) as Record<OfferId, Float64Array>;

export function offerFactors(offer: OfferId): Float64Array {
  return FACTOR_ARRAYS[offer];
}

export interface DemoCampaign {
  readonly index: number;
  readonly campaignId: string;
  readonly name: string;
  /** Month index of the start (outcomes measured from its first day). */
  readonly startMonth: number;
  readonly horizonMonths: number;
  readonly arms: readonly { readonly arm: typeof CONTROL_ARM | OfferId; readonly share: number }[];
}

/** The schedule (no randomness: it depends on the window only). Oldest first. */
export function demoCampaigns(windowStart: number, windowEnd: number, formatMonth: (t: number) => string): DemoCampaign[] {
  const starts: number[] = [];
  for (let s = windowEnd - CAMPAIGN_HORIZON_MONTHS; s >= windowStart + FIRST_START_AFTER && starts.length < MAX_CAMPAIGNS; s -= CAMPAIGN_SPACING) starts.unshift(s);
  return starts.map((s, index) => {
    const month = formatMonth(s);
    const second: OfferId = index % 2 === 0 ? 'CARE' : 'DATA5G';
    return {
      index,
      campaignId: `RET-${month}`,
      name: `挽留活动 ${month}`,
      startMonth: s,
      horizonMonths: CAMPAIGN_HORIZON_MONTHS,
      arms: [
        { arm: CONTROL_ARM, share: 0.3 },
        { arm: 'R10', share: 0.4 },
        { arm: second, share: 0.3 },
      ],
    };
  });
}

/** What the operator's file says about one member, and the draws that decide the effect. */
export interface Membership {
  readonly campaign: DemoCampaign;
  readonly arm: typeof CONTROL_ARM | OfferId;
  readonly reached: boolean;
  readonly accepted: boolean;
  readonly sleepingDog: boolean;
  /** Months since the member's leave decision when targeted (-1: not leaving): the generator's truth, not in any file. */
  readonly leavingStep: number;
  /** Share of the member's risk the offer addresses (0 for the control). */
  readonly addressed: number;
  /** In arrears or dormant when targeted (lost causes for any offer). */
  readonly arrears: boolean;
  readonly dormant: boolean;
  /** Day of the start month the contact happened (when reached or contaminated). */
  readonly contactDay: number;
  readonly contactHour: number;
  /** 'no_answer' or 'unreachable' for an offer member not reached. */
  readonly missed: 'no_answer' | 'unreachable';
  /** Uniforms for the save of a decided leaver and the sleeping dog's decision, and the latter's lag. */
  readonly saveDraw: number;
  readonly dogDraw: number;
  readonly dogLag: number;
}

/** The situation at the end of the month before a campaign, as the generator knows it. */
export interface TargetingState {
  /** Months since the leave decision, -1 when not leaving. */
  readonly leavingStep: number;
  /** Index into VOLUNTARY_CODES of the decided reason (when leaving). */
  readonly reasonIndex: number;
  /** This month's cause-specific decision hazards (when not leaving). */
  readonly hazards: Float64Array;
  readonly tenureMonths: number;
  readonly inContract: boolean;
  readonly monthsSinceContractExpiry: number;
  readonly engagement: number;
  /** Unpaid bills in a row (the 4th disconnects for non-payment) and months dormant. */
  readonly unpaidMonths: number;
  readonly dormantMonths: number;
}

const CAMPAIGN_STREAM = 0x50000000;
const CAMPAIGN_STREAM_SPAN = 0x04000000; // above the demo's 50M-customer limit

/** The operator's risk score: chance of leaving within 3 months as the signals show it. */
export function targetingRisk(s: TargetingState): number {
  // Arrears and dormancy are the loudest signals a churn model has (and no offer cures them).
  if (s.unpaidMonths > 0) return Math.min(0.95, 0.3 + 0.2 * s.unpaidMonths);
  if (s.dormantMonths > 0) return Math.min(0.9, 0.25 + 0.1 * s.dormantMonths);
  if (s.leavingStep >= 0) return 0.3 + 0.15 * Math.min(3, s.leavingStep);
  let total = 0;
  for (const h of s.hazards) total += h;
  return 1 - Math.pow(1 - Math.min(1, total), 3);
}

/** Share of the customer's risk the offer addresses, in [0, 1]. */
export function addressedShare(offer: OfferId, s: TargetingState): number {
  const f = offerFactors(offer);
  if (s.leavingStep >= 0) return 1 - (f[s.reasonIndex] ?? 1);
  let total = 0;
  let addressed = 0;
  s.hazards.forEach((h, i) => {
    total += h;
    addressed += h * (1 - (f[i] ?? 1));
  });
  return total > 0 ? addressed / total : 0;
}

function isSleepingDog(s: TargetingState): boolean {
  return s.leavingStep < 0 && s.unpaidMonths === 0 && s.dormantMonths === 0 && s.tenureMonths >= 60 && !s.inContract && s.monthsSinceContractExpiry > 12 && s.engagement < 0.3;
}

/**
 * Decides whether the customer in `slot` is targeted by `campaign` and, if so, the arm and the
 * contact's draws. Every draw is made here, in a fixed order, from the (campaign, slot) stream.
 */
export function drawMembership(seed: number, slot: number, campaign: DemoCampaign, s: TargetingState): Membership | undefined {
  const rng = new Rng(seed, CAMPAIGN_STREAM + campaign.index * CAMPAIGN_STREAM_SPAN + slot);
  const score = targetingRisk(s) * rng.noise(TARGET_NOISE);
  if (score < TARGET_CUTOFF) return undefined;
  let u = rng.uniform();
  let arm = campaign.arms[campaign.arms.length - 1]?.arm ?? CONTROL_ARM;
  for (const a of campaign.arms) {
    if ((u -= a.share) < 0) {
      arm = a.arm;
      break;
    }
  }
  const reachDraw = rng.uniform();
  const acceptDraw = rng.uniform();
  const contactDay = rng.int(1, 7);
  const contactHour = rng.int(9, 19);
  const missed = rng.chance(0.6) ? 'no_answer' : 'unreachable';
  const saveDraw = rng.uniform();
  const dogDraw = rng.uniform();
  const dogLag = rng.int(0, 2);
  const offer = arm === CONTROL_ARM ? undefined : arm;
  const reached = offer ? reachDraw < REACH : reachDraw < CONTAMINATION;
  const sleepingDog = offer !== undefined && reached && isSleepingDog(s);
  // Sleeping dogs decline; the rest accept the likelier the offer answers what drives their risk.
  const addressed = offer ? addressedShare(offer, s) : 0;
  const accepted = offer !== undefined && reached && !sleepingDog && acceptDraw < 0.2 + 0.75 * addressed;
  return { campaign, arm, reached, accepted, sleepingDog, leavingStep: s.leavingStep, addressed, arrears: s.unpaidMonths > 0, dormant: s.dormantMonths > 0, contactDay, contactHour, missed, saveDraw, dogDraw, dogLag };
}

/** The effect of an accepted offer on a leave decision taken `step` months before the contact. */
export function saveChance(offer: OfferId, reasonIndex: number, step: number): number {
  return (1 - (offerFactors(offer)[reasonIndex] ?? 1)) * (EARLY_ENOUGH[step] ?? 0);
}

export function sleepingDogTriggered(m: Membership): boolean {
  return m.sleepingDog && m.dogDraw < SLEEPING_DOG_TRIGGER;
}

/** One campaign_members row (contract column order). */
export function memberLine(customerId: string, m: Membership, formatMonth: (t: number) => string, exit: { month: number; day: number } | undefined): string {
  const start = m.campaign.startMonth;
  const assigned = `${formatMonth(start - 1)}-25`;
  let contacted = '';
  let channel = '';
  let response = '';
  if (m.reached) {
    // A member who left in the start month before the planned call was reached on the day they left.
    const day = exit && exit.month === start ? Math.min(exit.day, m.contactDay) : m.contactDay;
    contacted = `${formatMonth(start)}-${pad2(day)}T${pad2(m.contactHour)}:00:00`;
    channel = m.arm === CONTROL_ARM ? 'hotline' : DEMO_OFFER_EFFECTS[m.arm].channel;
    response = m.accepted ? 'accepted' : 'declined';
  } else if (m.arm !== CONTROL_ARM) {
    channel = DEMO_OFFER_EFFECTS[m.arm].channel;
    response = m.missed;
  }
  return `${m.campaign.campaignId},${customerId},${m.arm},${assigned},${contacted},${channel},${response},\n`;
}

/** campaigns.csv rows (contract column order). */
export function campaignLines(ctx: DemoContext): string[] {
  return ctx.retentionCampaigns.map((c) => {
    const month = ctx.texts.month(c.startMonth);
    return `${c.campaignId},${c.name},retention,${month}-01,${month}-07,${c.horizonMonths}\n`;
  });
}

/** Per arm of a campaign: members and their churn in the window with and without the offer. */
export interface PlantedArm {
  readonly campaignId: string;
  readonly arm: string;
  members: number;
  /** Members who churned in the window as simulated (with the offer for offer arms). */
  churnedWith: number;
  /** Members who would have churned in the window without the offer (the arm's counterfactual). */
  churnedWithout: number;
}

/** One member's two outcomes (kept when the caller asks for them; equal for the control). */
export interface MemberTruth {
  readonly campaignId: string;
  readonly customerId: string;
  readonly arm: string;
  readonly churnedWith: boolean;
  readonly churnedWithout: boolean;
  readonly accepted: boolean;
  readonly sleepingDog: boolean;
  readonly leavingStep: number;
  readonly addressed: number;
  readonly arrears: boolean;
  readonly dormant: boolean;
}
