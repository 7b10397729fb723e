/**
 * One customer's life inside the observation window, month by month. See index.ts for the
 * generating assumptions; this file is the state machine:
 *   active ──hazard──▶ leaving (0–4 months of visible decline, 5 %/month saved) ──▶ voluntary exit
 *   active ──payment failure──▶ unpaid 1..3 months (may repay) ──4th unpaid bill──▶ 335 credit
 *   active ──low engagement──▶ dormant (may wake) ──≥4 months at a quarter end──▶ 380 non-use
 *   new account ──rare──▶ fraud burst ──next month──▶ 345 fraud
 */
import { calendarMonth, CREDIT_SEASON, daysInMonth, isQuarterEnd, VOLUNTARY_SEASON, voluntaryTrend } from './calendar.ts';
import type { DemoContext } from './context.ts';
import { addHolding, dropAddOn, type Holding, initialHoldings, upsellOptions } from './holdings.ts';
import { type HazardInputs, VOLUNTARY_CODES, voluntaryHazards } from './hazard.ts';
import { type LineSink, monthInteractions, orderInteraction } from './interactions.ts';
import { type AcquisitionChannel, drawChannel, drawPersona, type Persona } from './persona.ts';
import { COMPETITORS, type Segment, SEGMENTS } from './products.ts';
import { Categorical, Rng, weightedIndex } from './random.ts';
import {
  CAMPAIGN_HORIZON_MONTHS,
  DEMO_OFFER_EFFECTS,
  drawMembership,
  type Membership,
  offerFactors,
  saveChance,
  sleepingDogTriggered,
  type TargetingState,
} from './retention.ts';
import { type ConsentText, customerLine, subscriptionLine } from './rows.ts';
import { newMonthState } from './state.ts';
import { pointsTransactionLines } from './points.ts';
import { cableUsageLine, finalBillLine, mobileUsageLine } from './usage.ts';

export interface RowSinks {
  readonly customers: LineSink;
  readonly subscriptions: LineSink;
  readonly usage: LineSink;
  readonly interactions: LineSink;
  readonly churn: LineSink;
  /** Loyalty points from outside the earning rules (points.ts); absent: none written. */
  readonly points?: LineSink;
}

/** A campaign membership and whether the member churned in the campaign's window. */
export interface MemberOutcome {
  readonly membership: Membership;
  readonly churnedInWindow: boolean;
}

/** What the writer needs besides the rows: the win-back to come, campaign memberships, the exit. */
export interface CustomerRun {
  readonly winback: Winback | undefined;
  readonly memberships: readonly MemberOutcome[];
  readonly exit: { readonly month: number; readonly day: number } | undefined;
}

/** A churned person who will come back as a new account (win-back). */
export interface Winback {
  readonly persona: Persona;
  readonly oldId: string;
  readonly joinMonth: number;
  readonly joinDay: number;
}

/** Probability of paying the arrears after 1, 2, 3 unpaid bills; the 4th unpaid bill disconnects. */
const REPAY = [0, 0.45, 0.3, 0.2];
/** Months between the leave decision and the exit: 0 = impulsive exit without warning signs. */
const LEAVE_LAG = new Categorical([0, 1, 2, 3, 4], [12, 28, 28, 20, 12]);
/** Reasons after which an operator realistically wins customers back (not relocation, not life change). */
const WINBACK_CODES = new Set(['101', '102', '103', '105', '205', '206', '207']);
const COMPETITOR_KNOWN = new Set(['101', '105', '205', '206']);
const CONTRACT_TERMS = Object.fromEntries(
  Object.entries(SEGMENTS).map(([segment, traits]) => [segment, new Categorical(traits.contractTerms, traits.contractWeights)]),
) as Record<Segment, Categorical<number>>;
const REVENUE_NORM: Record<Segment, number> = { youth: 50, mainstream: 65, senior: 30, basic: 28, new_video: 60, netizen: 85, full_service: 135, business: 0 };
const hazards = new Float64Array(VOLUNTARY_CODES.length);
const targetingHazards = new Float64Array(VOLUNTARY_CODES.length);
/**
 * Months simulated before the window without writing anything, so the opening base enters
 * the window in a steady state (some already leaving, unpaid or dormant) instead of all
 * healthy, which would make the first window months churn-free. Exits during burn-in are
 * undone: the base is, by definition, the customers who survived to the window.
 */
const BURN_IN_MONTHS = 6;
const DISCARD: LineSink = { push: () => undefined };

/**
 * Marketing consent (contract v2): about 72 % agreed, 13 % refused, 15 % never asked (blank).
 * Drawn from a stream of its own, so adding it left every other generated value as it was.
 */
const CONSENT_STREAM = 0x40000000;
function consentOf(seed: number, slot: number): ConsentText {
  const u = new Rng(seed, CONSENT_STREAM + slot).uniform();
  return u < 0.72 ? 'true' : u < 0.85 ? 'false' : '';
}

function revenueNorm(p: Persona): number {
  if (p.segment !== 'business') return REVENUE_NORM[p.segment];
  return p.line === 'mobile' ? 45 * p.lines + 20 : 230;
}

function feesOf(holdings: readonly Holding[]): number {
  return holdings.reduce((s, h) => s + h.fee, 0);
}

/**
 * Simulates one customer slot. `withoutOffer` (a campaign index) runs the member's history as if
 * that campaign's offer had not been given, everything else as assigned: the counterfactual the
 * writer compares with (it passes sinks that discard the rows).
 */
export function simulateCustomer(ctx: DemoContext, slot: number, sinks: RowSinks, winback?: Winback, withoutOffer = -1): CustomerRun {
  const rng = new Rng(ctx.options.seed, slot + 1);
  const consent = consentOf(ctx.options.seed, slot);
  const id = ctx.customerId(slot);
  const texts = ctx.texts;
  let p: Persona;
  let joinMonth: number;
  let joinDay: number;
  let channel: AcquisitionChannel;
  if (winback) {
    p = winback.persona;
    joinMonth = winback.joinMonth;
    joinDay = winback.joinDay;
    channel = rng.chance(0.6) ? 'hotline' : 'agent'; // win-back campaigns call or visit the old customer
  } else {
    p = drawPersona(rng, ctx.options.profile, ctx.footprint, Math.floor(ctx.windowEnd / 12));
    joinMonth = rng.chance(ctx.baseShare)
      ? ctx.windowStart - Math.min(240, 1 + Math.floor(rng.lognormal(Math.log(30), 0.95)))
      : ctx.joinMonths.sample(rng);
    joinDay = rng.int(1, daysInMonth(joinMonth));
    // Old accounts often predate channel tracking.
    channel = ctx.windowStart - joinMonth > 36 && rng.chance(0.35) ? '' : drawChannel(rng, p.line);
  }
  sinks.customers.push(customerLine(id, p, texts.date(joinMonth, joinDay), channel, winback?.oldId ?? '', consent));

  const holdings = initialHoldings(rng, p, joinMonth, joinDay);
  const term = CONTRACT_TERMS[p.segment].sample(rng);
  const contractDay = Math.min(joinDay, 28);
  let contractEnd = term > 0 ? joinMonth + term : -1;
  let contractActive = term > 0;
  let expiredAt = -10_000;
  const renewP = Math.min(0.9, 0.3 + 0.4 * (1 - p.priceSensitivity) + (p.segment === 'full_service' || p.segment === 'business' ? 0.15 : 0));
  while (contractActive && contractEnd < ctx.windowStart) {
    if (rng.chance(renewP)) contractEnd += term;
    else {
      contractActive = false;
      expiredAt = contractEnd;
    }
  }

  const hazardInputs: HazardInputs = {
    persona: p,
    tenureMonths: 0,
    ageYears: Number.NaN,
    inContract: false,
    monthsSinceContractExpiry: Infinity,
    arpuRelative: 1,
    networkQuality: p.district.quality,
    episodeSeverity: 0,
    unresolvedComplaints: 0,
    poorSatisfaction: 0,
    billingIssueRecent: false,
    competitorCampaign: false,
    everOverdue: false,
    isTechSeason: false,
    seasonTrend: 1,
    winback: winback !== undefined,
    onlineChannel: channel === 'online',
    discounted: false,
  };
  const st = newMonthState(id);
  st.lastRevenue = feesOf(holdings);
  const norm = revenueNorm(p);
  const quality = p.district.quality;
  let episodeLeft = 0;
  let severity = 0;
  let unpaid = 0;
  let everOverdue = false;
  let fraudMonth = -1;
  let dormantMonths = 0;
  let leavingStep = -1;
  let plannedExit = -1;
  let reasonIndex = 0;
  let lastBillingIssue = -10_000;
  let unresolved1 = 0, unresolved2 = 0, unresolved3 = 0;
  let poor1 = 0, poor2 = 0, poor3 = 0;
  let exitMonth = -1;
  let exitDay = 0;
  let exitCode = '';
  let exitVoluntary = false;
  // Retention campaigns (retention.ts): memberships so far, and accepted offers still running.
  const memberships: Membership[] = [];
  const running: { until: number; factors: Float64Array; discount: number }[] = [];

  /** The hazard inputs of month `t` from the current state (no random draws). */
  const fillHazardInputs = (t: number): HazardInputs => {
    const x = hazardInputs;
    const cal = calendarMonth(t);
    x.tenureMonths = t - joinMonth;
    x.ageYears = p.birthYear > 0 ? Math.floor(t / 12) - p.birthYear : Number.NaN;
    x.inContract = contractActive;
    x.monthsSinceContractExpiry = t - expiredAt;
    x.arpuRelative = st.lastRevenue / norm;
    x.episodeSeverity = st.episodeSeverity;
    x.unresolvedComplaints = unresolved1 + unresolved2 + unresolved3;
    x.poorSatisfaction = poor1 + poor2 + poor3;
    x.billingIssueRecent = t - lastBillingIssue <= 3;
    x.competitorCampaign = ctx.campaignAt(p.district.provinceIndex, t) !== undefined;
    x.everOverdue = everOverdue;
    x.isTechSeason = cal === 8 || cal === 9;
    x.seasonTrend = (VOLUNTARY_SEASON[cal] ?? 1) * voluntaryTrend(t - ctx.windowStart);
    x.discounted = st.discount < 1;
    return x;
  };

  for (let t = Math.max(joinMonth, ctx.windowStart - BURN_IN_MONTHS); t <= ctx.windowEnd; t++) {
    const observed = t >= ctx.windowStart;
    const cal = calendarMonth(t);
    const dim = daysInMonth(t);
    st.t = t;
    st.monthText = texts.month(t);
    st.daysInMonth = dim;
    st.tenureMonths = t - joinMonth;
    st.monthsIntoWindow = t - ctx.windowStart;
    st.lastWindowMonth = t === ctx.windowEnd;
    st.savedThisMonth = false;
    st.discount = winback !== undefined && t - joinMonth < 12 ? 0.7 : 1;

    if (contractActive && contractEnd === t) {
      if (leavingStep < 0 && rng.chance(renewP)) contractEnd += term;
      else {
        contractActive = false;
        expiredAt = t;
      }
    }
    st.inContract = contractActive;
    st.contractExpiresNextMonth = contractActive && contractEnd === t + 1;

    if (episodeLeft === 0 && rng.chance(0.012 * (1 + 5 * (1 - quality)))) {
      episodeLeft = rng.int(2, 5); // outages get fixed in weeks, coverage gaps in months
      severity = rng.between(0.4, 1);
    }
    st.episodeSeverity = episodeLeft > 0 ? severity : 0;
    if (episodeLeft > 0) episodeLeft--;
    st.billingIssue = rng.chance(0.008);
    if (st.billingIssue) lastBillingIssue = t;

    // Involuntary paths first: a disconnection pre-empts any voluntary plan.
    let involuntary = '';
    if (unpaid > 0) unpaid = rng.chance(REPAY[unpaid] ?? 0.2) ? 0 : unpaid + 1;
    // New accounts have no payment history (and include subscription fraud): more payment failures.
    else if (dormantMonths === 0 && rng.chance(0.006 * Math.exp(3 * (p.creditRisk - 0.15)) * (CREDIT_SEASON[cal] ?? 1) * (st.tenureMonths < 12 ? 1.8 : 1))) {
      unpaid = 1;
      everOverdue = true;
    }
    if (unpaid >= 4) involuntary = '335';
    st.unpaidMonths = unpaid;
    st.overdueDays = unpaid === 0 ? 0 : 30 * (unpaid - 1) + rng.int(8, 20);

    st.fraud = false;
    if (fraudMonth >= 0 && t === fraudMonth + 1) involuntary ||= '345';
    else if (fraudMonth < 0 && p.line === 'mobile' && p.type === 'individual' && st.tenureMonths < 6 && rng.chance(0.0008)) {
      fraudMonth = t;
      st.fraud = true;
    }

    if (dormantMonths > 0) dormantMonths = rng.chance(0.08) ? 0 : dormantMonths + 1;
    // Some sign-ups never adopt the service (a SIM bought for a promotion): early dormancy.
    else if (leavingStep < 0 && unpaid === 0 && rng.chance(0.0022 * Math.exp(4 * (0.45 - p.engagement)) * (st.tenureMonths < 6 ? 2.5 : 1))) dormantMonths = 1;
    if (dormantMonths >= 4 && isQuarterEnd(t)) involuntary ||= '380';
    st.dormant = dormantMonths > 0;

    // A campaign's contact, at the start of its first month: an accepted offer starts running and
    // may turn a leaver around; a sleeping dog may decide to leave (after the decision block).
    let savedByOffer = false;
    let dogWakes = false;
    for (const m of memberships) {
      if (m.campaign.startMonth !== t || m.arm === 'control' || !m.reached || m.campaign.index === withoutOffer) continue;
      if (m.accepted) {
        const effect = DEMO_OFFER_EFFECTS[m.arm];
        running.push({ until: t + effect.months, factors: offerFactors(m.arm), discount: effect.monthlyDiscount });
        if (leavingStep >= 0 && t <= plannedExit && m.saveDraw < saveChance(m.arm, reasonIndex, leavingStep + 1)) {
          leavingStep = -1;
          plannedExit = -1;
          savedByOffer = true;
          st.savedThisMonth = true;
        }
      }
      if (sleepingDogTriggered(m)) dogWakes = true;
    }
    let offerDiscount = 0;
    for (const o of running) if (t < o.until) offerDiscount += o.discount;
    st.offerDiscount = offerDiscount;

    if (savedByOffer) {
      // Turned around this month: no new decision in the same month.
    } else if (leavingStep >= 0) {
      leavingStep++;
      if (t < plannedExit && rng.chance(0.05)) {
        // A retention offer works: the signals were real but the customer stays (noise for a model).
        leavingStep = -1;
        plannedExit = -1;
        st.savedThisMonth = true;
      }
    } else if (!involuntary && unpaid === 0 && dormantMonths === 0 && fraudMonth < 0) {
      let total = voluntaryHazards(fillHazardInputs(t), hazards);
      for (const o of running) {
        if (t >= o.until) continue;
        total = 0;
        for (let i = 0; i < hazards.length; i++) total += hazards[i] = (hazards[i] ?? 0) * (o.factors[i] ?? 1);
      }
      if (rng.uniform() < total) {
        reasonIndex = weightedIndex(rng, hazards);
        leavingStep = 0;
        plannedExit = t + LEAVE_LAG.sample(rng);
      }
    }
    if (dogWakes && leavingStep < 0 && !involuntary) {
      // Reminded by the call that the market has better deals, they decide to shop around.
      const dog = memberships.find((m) => m.campaign.startMonth === t && m.sleepingDog);
      reasonIndex = 0;
      leavingStep = 0;
      plannedExit = t + (dog?.dogLag ?? 0);
    }
    st.leavingStep = leavingStep;

    if (!observed && (involuntary !== '' || (leavingStep >= 0 && t === plannedExit))) {
      involuntary = '';
      unpaid = 0;
      dormantMonths = 0;
      leavingStep = -1;
      plannedExit = -1;
      fraudMonth = -1;
      st.unpaidMonths = 0;
      st.overdueDays = 0;
      st.dormant = false;
      st.leavingStep = -1;
    }
    const exiting = involuntary !== '' || (leavingStep >= 0 && t === plannedExit);
    st.startDay = t === joinMonth ? joinDay : 1;
    st.endDay = dim;
    if (exiting) {
      exitMonth = t;
      exitDay = rng.int(st.startDay, dim);
      exitCode = involuntary || (VOLUNTARY_CODES[reasonIndex] ?? '211');
      exitVoluntary = involuntary === '';
      st.endDay = exitDay;
    }
    st.exiting = exiting;
    st.exitVoluntary = exitVoluntary;
    st.activeFraction = (st.endDay - st.startDay + 1) / dim;
    st.birthdayMonth = p.birthMonth === cal;

    st.unresolvedComplaints = 0;
    st.poorSatisfaction = 0;
    const interactionSink = observed ? sinks.interactions : DISCARD;
    monthInteractions(rng, p, st, interactionSink);
    if (!exiting && leavingStep < 0 && !st.dormant && rng.chance(0.012)) {
      const options = upsellOptions(p, holdings);
      if (options.length > 0) {
        const product = rng.pick(options);
        addHolding(holdings, product, t, rng.int(st.startDay, st.endDay));
        orderInteraction(rng, st, interactionSink, product.id);
      }
    }
    // Leavers shed add-ons first (ARPU falls before the exit); a few stayers downgrade too.
    if (!exiting && (leavingStep >= 1 ? rng.chance(0.5) : rng.chance(0.006))) dropAddOn(rng, holdings, t, rng.int(st.startDay, st.endDay));

    if (observed) {
      const careExtra = rng.poisson(0.05 + (leavingStep >= 0 ? 0.3 : 0) + 0.25 * st.episodeSeverity + (unpaid > 0 ? 0.3 : 0));
      sinks.usage.push(p.line === 'mobile' ? mobileUsageLine(rng, p, holdings, st, careExtra) : cableUsageLine(rng, p, holdings, st, careExtra));
    }
    unresolved3 = unresolved2;
    unresolved2 = unresolved1;
    unresolved1 = st.unresolvedComplaints;
    poor3 = poor2;
    poor2 = poor1;
    poor1 = st.poorSatisfaction;
    if (exiting) break;
    // Targeting for a campaign starting next month, from the state at the end of this one.
    for (const c of ctx.retentionCampaigns) {
      if (c.startMonth !== t + 1 || !observed || consent !== 'true' || fraudMonth >= 0 || st.tenureMonths < 3) continue;
      if (leavingStep < 0) voluntaryHazards(fillHazardInputs(t + 1), targetingHazards);
      const state: TargetingState = {
        leavingStep,
        reasonIndex,
        hazards: targetingHazards,
        tenureMonths: t + 1 - joinMonth,
        inContract: contractActive,
        monthsSinceContractExpiry: t + 1 - expiredAt,
        engagement: p.engagement,
        unpaidMonths: unpaid,
        dormantMonths,
      };
      const m = drawMembership(ctx.options.seed, slot, c, state);
      if (m) memberships.push(m);
    }
  }

  let next: Winback | undefined;
  if (exitMonth >= 0) {
    for (const h of holdings) {
      if (h.endMonth < 0) {
        h.endMonth = exitMonth;
        h.endDay = exitDay;
      }
    }
    let competitor = '';
    if (exitCode === '102') competitor = ctx.campaignAt(p.district.provinceIndex, exitMonth)?.competitor[p.line] ?? rng.pick(COMPETITORS[p.line]);
    else if (COMPETITOR_KNOWN.has(exitCode) && rng.chance(0.45)) competitor = rng.pick(COMPETITORS[p.line]);
    sinks.churn.push(`${id},${texts.date(exitMonth, exitDay)},${exitVoluntary ? 'voluntary' : 'involuntary'},${exitCode},${competitor}\n`);
    if (exitVoluntary && exitMonth < ctx.windowEnd) {
      // In-contract leavers pay an early termination fee; some others get a last partial bill.
      const mainFee = holdings[0]?.fee ?? 0;
      const amount = contractActive ? Math.min(300, 0.5 * mainFee * (contractEnd - exitMonth)) : rng.chance(0.3) ? rng.between(3, 30) : 0;
      if (amount > 0) sinks.usage.push(finalBillLine(id, texts.month(exitMonth + 1), amount));
    }
    if (exitVoluntary && WINBACK_CODES.has(exitCode) && rng.chance(0.1)) {
      const m = exitMonth + rng.int(1, 9);
      if (m <= ctx.windowEnd) next = { persona: p, oldId: id, joinMonth: m, joinDay: rng.int(1, daysInMonth(m)) };
    }
  }

  const outcomes = memberships.map((membership) => {
    const s = membership.campaign.startMonth;
    return { membership, churnedInWindow: exitMonth >= s && exitMonth < s + CAMPAIGN_HORIZON_MONTHS };
  });

  if (sinks.points) {
    const exit = exitMonth >= 0 ? { month: exitMonth, day: exitDay } : undefined;
    const life = { customerId: id, joinMonth, joinDay, exit, windowStart: ctx.windowStart, windowEnd: ctx.windowEnd, engagement: p.engagement, monthlyRevenue: norm };
    pointsTransactionLines(ctx.options.seed, slot, life, texts, sinks.points);
  }

  const subscriptionId = `S${id.slice(1)}`;
  holdings.forEach((h, i) => {
    const end = h.endMonth >= 0 ? texts.date(h.endMonth, h.endDay) : '';
    const contractEndText = h.main && term > 0 ? texts.date(contractEnd, Math.min(contractDay, daysInMonth(contractEnd))) : '';
    sinks.subscriptions.push(subscriptionLine(subscriptionId, i + 1, id, h, texts.date(h.startMonth, h.startDay), end, contractEndText));
  });
  return { winback: next, memberships: outcomes, exit: exitMonth >= 0 ? { month: exitMonth, day: exitDay } : undefined };
}
