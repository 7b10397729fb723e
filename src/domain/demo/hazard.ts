/**
 * Cause-specific monthly hazards of a voluntary churn decision (competing risks).
 *
 * Each voluntary reason code of the default table has its own hazard, driven by the
 * observable situation that would really cause it; the reason of a decision is drawn in
 * proportion to these hazards, so reason codes correlate with their drivers (a customer in
 * a bad-coverage county who leaves mostly says "coverage"). Incidental reasons (relocation,
 * life change) carry no signal on purpose: they are the irreducible noise of real churn.
 *
 * Shared multipliers encode what every churn deck shows: the first months are the riskiest
 * (early regret) and loyalty grows with tenure; a running contract holds customers (early
 * termination fee) and its expiry releases them; young customers and online sign-ups move
 * more; segments differ in loyalty (seed 002); seasonality and a competitive trend apply.
 */
import type { Persona } from './persona.ts';
import { SEGMENTS } from './products.ts';

/** Voluntary reason codes in hazard order (all `voluntary` in the default table). */
export const VOLUNTARY_CODES = ['101', '102', '103', '104', '105', '205', '206', '207', '210', '211', '212'] as const;
export type VoluntaryCode = (typeof VOLUNTARY_CODES)[number];
const INCIDENTAL_FROM = 8; // 210, 211, 212 ignore contracts: people move regardless

/** Mutable on purpose: the simulator refills one object per customer instead of allocating per month. */
export interface HazardInputs {
  persona: Persona;
  tenureMonths: number;
  ageYears: number; // NaN for businesses
  inContract: boolean;
  monthsSinceContractExpiry: number; // Infinity when no expiry seen
  /** ARPU relative to the segment's norm (1 = typical bill). */
  arpuRelative: number;
  networkQuality: number; // district quality (0, 1]
  episodeSeverity: number; // 0 when the network is fine for this customer this month
  unresolvedComplaints: number; // last 3 months
  poorSatisfaction: number; // contacts rated ≤ 2 in the last 3 months
  billingIssueRecent: boolean;
  competitorCampaign: boolean;
  everOverdue: boolean;
  isTechSeason: boolean; // new handsets (Sep/Oct)
  seasonTrend: number; // season × trend multiplier
  winback: boolean;
  onlineChannel: boolean;
  discounted: boolean;
}

/** Calibrates the overall voluntary churn level (~1.2 %/month on the default population). */
const LEVEL = 1.35;

export function tenureMultiplier(months: number): number {
  if (months < 3) return 2.4;
  if (months < 6) return 1.7;
  if (months < 12) return 1.2;
  if (months < 24) return 1.0;
  if (months < 48) return 0.8;
  if (months < 96) return 0.6;
  return 0.45;
}

/** Fills `out` (length VOLUNTARY_CODES.length) with monthly hazards and returns their sum. */
export function voluntaryHazards(x: HazardInputs, out: Float64Array): number {
  const p = x.persona;
  const ps = p.priceSensitivity;
  const mobile = p.line === 'mobile';
  const youth = p.segment === 'youth' || p.segment === 'netizen';
  const arpu = Math.min(3, Math.max(0.2, x.arpuRelative));

  out[0] = 0.0022 * Math.exp(2.4 * (ps - 0.5)) * Math.pow(arpu, 0.9) * (x.discounted ? 0.5 : 1); // 101 price
  out[1] = 0.0009 * Math.exp(2.0 * (ps - 0.5)) * (x.competitorCampaign ? 5 : 1); // 102 competitor promotion
  out[2] = 0.0004 * Math.exp(0.9 * Math.min(4, x.unresolvedComplaints) + 0.6 * Math.min(3, x.poorSatisfaction)); // 103 service
  out[3] = mobile ? 0.0007 * Math.exp(3.0 * (0.5 - p.onNetShare)) : 0.0003; // 104 friends & family / image
  out[4] = 0.0006 * (youth ? 2 : 1) * (x.isTechSeason ? 1.8 : 1); // 105 new technology, handset
  out[5] = 0.0003 + 0.03 * x.episodeSeverity; // 205 network quality
  out[6] = 0.001 * Math.exp(6 * (0.85 - x.networkQuality)); // 206 coverage
  out[7] = 0.0002 + (x.billingIssueRecent ? 0.01 : 0); // 207 billing
  out[8] = 0.0007 * (youth ? 1.8 : p.segment === 'senior' ? 0.5 : 1); // 210 relocation
  out[9] = 0.0004 * (x.ageYears > 60 ? 2 : 1); // 211 life change
  out[10] = 0.0003 * (x.everOverdue ? 4 : 1); // 212 financial change

  let shared = LEVEL * SEGMENTS[p.segment].churnMultiplier * tenureMultiplier(x.tenureMonths) * x.seasonTrend;
  if (x.ageYears < 26) shared *= 1.25;
  else if (x.ageYears > 60) shared *= 0.75;
  if (x.onlineChannel) shared *= 1.2;
  if (x.winback) shared *= 1.4;
  // Early regret ignores the contract (cooling-off period, handset returned in the first weeks).
  const contract = x.tenureMonths < 3 ? 1 : x.inContract ? 0.4 : x.monthsSinceContractExpiry <= 3 ? 2.2 : 1;

  let total = 0;
  for (let i = 0; i < VOLUNTARY_CODES.length; i++) {
    const h = (out[i] ?? 0) * shared * (i < INCIDENTAL_FROM ? contract : 1);
    out[i] = h;
    total += h;
  }
  return total;
}
