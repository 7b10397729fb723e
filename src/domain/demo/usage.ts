/**
 * One monthly_usage row from the customer's month. Why the shapes:
 * - Usage ramps up over the first months after joining (people move contacts and habits
 *   over gradually) and declines in the months between a leave decision and the exit:
 *   fewer outgoing calls (主叫比例 falls — the number is kept only to receive calls), calls
 *   forwarded to the new number (呼转比例 rises), fewer call partners and a falling on-net
 *   share (friends already moved), more calls to customer service, add-ons dropped (ARPU
 *   falls). Dormant accounts (休眠用户) nearly stop using the service before the purge.
 * - Dropped-call rate follows district quality plus temporary network episodes; a credit
 *   spell shows as unpaid bills with growing overdue days; fraud shows as a roaming and
 *   long-distance burst.
 * - Every measure has multiplicative month-to-month noise so no single month gives a
 *   churner away, and contract invariants are built in by construction (outgoing and
 *   forwarded ≤ voice, dropped ≤ calls, on-net ≤ distinct).
 */
import { dataGrowth, ROAMING_SEASON, TV_SEASON, VOICE_SEASON, calendarMonth } from './calendar.ts';
import { dec1, money, tenths } from './format.ts';
import type { Holding } from './holdings.ts';
import type { Persona } from './persona.ts';
import type { Rng } from './random.ts';
import type { MonthState } from './state.ts';

function ramp(tenureMonths: number): number {
  return 1 - 0.45 * Math.exp(-tenureMonths / 2.5);
}

/** Usage multiplier from the leave decision or dormancy. */
function decline(st: MonthState): number {
  if (st.dormant) return 0.04;
  return st.leavingStep >= 0 ? Math.pow(0.78, st.leavingStep + 1) : 1;
}

function activeHoldings(holdings: readonly Holding[], t: number): { fees: number; voice: number; data: number; vod: boolean; tv: boolean; broadband: boolean } {
  let fees = 0;
  let voice = 0;
  let data = 0;
  let vod = false;
  let tv = false;
  let broadband = false;
  for (const h of holdings) {
    if (h.startMonth > t || (h.endMonth >= 0 && h.endMonth < t)) continue;
    fees += h.fee;
    voice += h.voiceAllowance;
    data += h.dataAllowance;
    const c = h.product.category;
    if (c === 'vod' || c === 'bundle') vod = true;
    if (c === 'tv_basic' || c === 'tv_hd' || c === 'bundle') tv = true;
    if (c === 'broadband' || c === 'bundle') broadband = true;
  }
  return { fees, voice, data, vod, tv, broadband };
}

function bill(st: MonthState, revenue: number, cost: number): string {
  st.lastRevenue = revenue;
  const paid = st.unpaidMonths > 0 || st.fraud ? 0 : revenue;
  return `${money(revenue)},${money(cost)},${money(paid)},${st.overdueDays}`;
}

export function mobileUsageLine(rng: Rng, p: Persona, holdings: readonly Holding[], st: MonthState, careExtra: number): string {
  const cal = calendarMonth(st.t);
  const level = ramp(st.tenureMonths) * decline(st) * st.activeFraction;
  const step = st.leavingStep >= 0 ? st.leavingStep + 1 : 0;

  const voice10 = Math.round(10 * p.voiceMinutes * level * (VOICE_SEASON[cal] ?? 1) * rng.noise(0.22));
  const outgoingRatio = Math.min(0.98, p.outgoingRatio * (1 - 0.13 * Math.min(step, 4)) * rng.noise(0.1));
  const outgoing10 = Math.floor(voice10 * outgoingRatio);
  const forwardShare = Math.min(0.9, (p.forwardedShare + 0.05 * Math.min(step, 4)) * rng.noise(0.3));
  const forwarded10 = Math.min(voice10, Math.floor(voice10 * forwardShare));
  const roamingBurst = st.fraud ? 15 : 1;
  const roaming10 = Math.min(voice10, Math.round(voice10 * Math.min(0.9, p.roamingShare * (ROAMING_SEASON[cal] ?? 1) * roamingBurst * rng.noise(0.5))));
  const longDistance10 = Math.min(voice10, Math.round(voice10 * Math.min(0.9, p.longDistanceShare * (st.fraud ? 6 : 1) * rng.noise(0.35))));
  const dataMb = p.dataMb * level * dataGrowth(st.monthsIntoWindow) * rng.noise(0.3);
  const sms = rng.poisson((p.segment === 'youth' ? 4 : 9) * level);
  const calls = rng.poisson(voice10 / 10 / 2.4);
  const dropRate = 0.003 + 0.02 * (1 - p.district.quality) + (st.episodeSeverity > 0 ? 0.025 + 0.05 * st.episodeSeverity : 0);
  const dropped = rng.binomial(calls, dropRate);
  const contactsLevel = ramp(st.tenureMonths) * (st.dormant ? 0.1 : st.leavingStep >= 0 ? Math.pow(0.85, step) : 1) * st.activeFraction;
  const distinct = rng.poisson(p.contacts * contactsLevel);
  const onNet = rng.binomial(distinct, Math.min(0.98, p.onNetShare * (step > 0 ? Math.pow(0.88, step) : 1)));
  const care = st.hotlineContacts + careExtra;

  const h = activeHoldings(holdings, st.t);
  let revenue: number;
  if (st.dormant) {
    revenue = 5 * st.activeFraction; // 停机保号: the number is kept for a small fee
  } else {
    const overage = Math.min(120, Math.max(0, voice10 / 10 - h.voice) * 0.15 + Math.max(0, dataMb - h.data) * 0.003);
    revenue = Math.max(0, h.fees * st.discount - st.offerDiscount) * st.activeFraction + overage + (roaming10 / 10) * 0.25 + (longDistance10 / 10) * 0.06;
  }
  const cost = 2 + revenue * 0.3 + dataMb * 0.0004 + (st.inContract ? 8 : 0);
  return `${st.customerId},${st.monthText},${bill(st, revenue, cost)},${tenths(voice10)},${tenths(outgoing10)},${tenths(roaming10)},${tenths(longDistance10)},${tenths(forwarded10)},${dec1(dataMb)},${sms},${calls},${dropped},${distinct},${onNet},${care},,\n`;
}

export function cableUsageLine(rng: Rng, p: Persona, holdings: readonly Holding[], st: MonthState, careExtra: number): string {
  const cal = calendarMonth(st.t);
  const level = ramp(st.tenureMonths) * decline(st) * st.activeFraction;
  const h = activeHoldings(holdings, st.t);
  const tvHours = h.tv ? dec1(p.tvHours * level * (TV_SEASON[cal] ?? 1) * rng.noise(0.25)) : '';
  const vodOrders = h.vod ? rng.poisson(p.vodOrders * level) : -1;
  const dataMb = h.broadband ? p.dataMb * level * dataGrowth(st.monthsIntoWindow) * rng.noise(0.3) : -1;
  const care = st.hotlineContacts + careExtra;
  const revenue = st.dormant ? 0 : Math.max(0, h.fees * st.discount - st.offerDiscount) * st.activeFraction + Math.max(0, vodOrders) * 4;
  const cost = 6 * st.activeFraction + revenue * 0.18 + (h.broadband ? 10 : 0) + Math.max(0, vodOrders) * 1.5;
  return `${st.customerId},${st.monthText},${bill(st, revenue, cost)},,,,,,${dataMb >= 0 ? dec1(dataMb) : ''},,,,,,${care},${tvHours},${vodOrders >= 0 ? vodOrders : ''}\n`;
}

/** The bill after the exit month: remaining charges or an early termination fee; no usage. */
export function finalBillLine(customerId: string, monthText: string, amount: number): string {
  return `${customerId},${monthText},${money(amount)},0.00,${money(amount)},0,,,,,,,,,,,,,,\n`;
}
