/**
 * What a customer subscribes to. Plans are chosen to fit the customer's usage need, tilted
 * by price sensitivity (sensitive customers under-buy and pay overage — the "费率方案" churn
 * of the deck). Add-ons are where ARPU moves: they are upsold over time and dropped first
 * when a customer is about to leave, so the ARPU trend before exit is a real signal.
 */
import type { Persona } from './persona.ts';
import {
  BB_100M,
  BB_50M,
  BB_BUSINESS,
  BUNDLE_FULL,
  BUSINESS_PLAN,
  DATA_PACK,
  MOBILE_PLANS,
  type Product,
  TV_BASIC,
  TV_HD,
  TV_VOD,
  VAS_RINGTONE,
  VAS_VIDEO,
} from './products.ts';
import type { Rng } from './random.ts';

export interface Holding {
  readonly product: Product;
  /** List price per month (monthly_fee). */
  readonly fee: number;
  readonly main: boolean;
  readonly voiceAllowance: number;
  readonly dataAllowance: number;
  readonly startMonth: number;
  readonly startDay: number;
  /** Month index / day the product ended; -1 while active. */
  endMonth: number;
  endDay: number;
}

function holding(product: Product, main: boolean, startMonth: number, startDay: number, fee = product.fee, voiceAllowance = product.voiceMinutes ?? 0, dataAllowance = product.dataMb ?? 0): Holding {
  return { product, fee, main, voiceAllowance, dataAllowance, startMonth, startDay, endMonth: -1, endDay: 0 };
}

function chooseMobilePlan(persona: Persona): Product {
  const tolerance = 1.1 + 0.8 * persona.priceSensitivity;
  for (const plan of MOBILE_PLANS) {
    const need = Math.max(persona.voiceMinutes / (plan.voiceMinutes ?? 1), persona.dataMb / (plan.dataMb ?? 1));
    if (need <= tolerance) return plan;
  }
  return MOBILE_PLANS[MOBILE_PLANS.length - 1] as Product;
}

export function initialHoldings(rng: Rng, persona: Persona, month: number, day: number): Holding[] {
  const out: Holding[] = [];
  if (persona.line === 'mobile') {
    if (persona.type === 'business') {
      const perLine = persona.lines > 50 ? 38 : 45;
      out.push(holding(BUSINESS_PLAN, true, month, day, perLine * persona.lines, 500 * persona.lines, 10240 * persona.lines));
    } else {
      const plan = chooseMobilePlan(persona);
      out.push(holding(plan, true, month, day));
      if (persona.dataMb > (plan.dataMb ?? 0) * 1.2 && rng.chance(0.55)) out.push(holding(DATA_PACK, false, month, day, DATA_PACK.fee, 0, 20480));
    }
    if (rng.chance(0.22)) out.push(holding(VAS_RINGTONE, false, month, day));
    if (rng.chance(persona.segment === 'youth' ? 0.3 : 0.1)) out.push(holding(VAS_VIDEO, false, month, day));
    return out;
  }
  switch (persona.segment) {
    case 'full_service':
      out.push(holding(BUNDLE_FULL, true, month, day));
      break;
    case 'new_video':
      out.push(holding(TV_BASIC, true, month, day), holding(TV_HD, false, month, day));
      if (rng.chance(0.8)) out.push(holding(TV_VOD, false, month, day));
      break;
    case 'netizen':
      out.push(holding(TV_BASIC, true, month, day), holding(rng.chance(0.4) ? BB_100M : BB_50M, false, month, day));
      break;
    case 'business':
      out.push(holding(BB_BUSINESS, true, month, day));
      if (rng.chance(0.5)) out.push(holding(TV_BASIC, false, month, day));
      break;
    default:
      out.push(holding(TV_BASIC, true, month, day));
      if (rng.chance(0.15)) out.push(holding(TV_HD, false, month, day));
  }
  return out;
}

/** Products that can be upsold to this customer and are not held yet. */
export function upsellOptions(persona: Persona, holdings: readonly Holding[]): Product[] {
  const held = new Set(holdings.filter((h) => h.endMonth < 0).map((h) => h.product.id));
  const options: readonly Product[] =
    persona.line === 'mobile'
      ? [DATA_PACK, VAS_VIDEO, VAS_RINGTONE]
      : persona.segment === 'basic'
        ? [TV_HD, TV_VOD, BB_50M]
        : persona.segment === 'new_video'
          ? [TV_VOD, BB_50M]
          : persona.segment === 'netizen'
            ? [TV_HD]
            : [];
  return options.filter((p) => !held.has(p.id));
}

export function addHolding(holdings: Holding[], product: Product, month: number, day: number): void {
  holdings.push(holding(product, false, month, day, product.fee, 0, product.id === DATA_PACK.id ? 20480 : 0));
}

/** Ends one active add-on (a downgrade); returns whether there was one. */
export function dropAddOn(rng: Rng, holdings: readonly Holding[], month: number, day: number): boolean {
  const active = holdings.filter((h) => !h.main && h.endMonth < 0 && (h.startMonth < month || (h.startMonth === month && h.startDay <= day)));
  if (active.length === 0) return false;
  const h = rng.pick(active);
  h.endMonth = month;
  h.endDay = day;
  return true;
}
