/** CSV headers and the row builders of the files that are not built month by month. */
import { fileSpec } from '../../contract/spec.ts';
import { csvText, money } from './format.ts';
import type { Holding } from './holdings.ts';
import type { AcquisitionChannel, Persona } from './persona.ts';

/** Extra attribute (contract: `x_` columns are kept as attributes): the customer's segment. */
export const SEGMENT_COLUMN = 'x_segment';

function specColumns(name: Parameters<typeof fileSpec>[0]): string[] {
  return fileSpec(name).columns.map((c) => c.name);
}

/** Headers in the contract's column order; the row builders write fields in the same order. */
export const HEADERS = {
  customers: [...specColumns('customers'), SEGMENT_COLUMN],
  subscriptions: specColumns('subscriptions'),
  monthly_usage: specColumns('monthly_usage'),
  interactions: specColumns('interactions'),
  churn_events: specColumns('churn_events'),
  surveys: specColumns('surveys'),
  offers: specColumns('offers'),
  campaigns: specColumns('campaigns'),
  campaign_members: specColumns('campaign_members'),
  points_transactions: specColumns('points_transactions'),
} as const;

/**
 * The demo operator's retention offer catalogue (contract v2 `offers`), in the contract's column
 * order: what `tenure campaign design` can assign and `tenure campaign evaluate` costs.
 */
export const DEMO_OFFER_LINES: readonly string[] = [
  // offer_id,name,kind,monthly_discount,months,unit_cost,contact_cost,points,commitment_months
  'R10,月费立减10元（6个月）,discount,10,6,,1.50,,12\n',
  'DATA5G,每月赠送5GB流量（3个月）,bonus_data,,3,4,1.50,,\n',
  'HDBOX,免费升级高清机顶盒,device,,,180,3.00,,24\n',
  'CARE,客户经理关怀回访,care_call,,,,6.00,,\n',
  'PTS500,赠送500积分,points,,,,0.20,500,\n',
];

/** marketing_consent as written: 'true', 'false' or '' (unknown). */
export type ConsentText = 'true' | 'false' | '';

export function customerLine(id: string, p: Persona, joinDate: string, channel: AcquisitionChannel, winbackOf: string, consent: ConsentText): string {
  const employees = p.employees >= 0 ? String(p.employees) : '';
  return `${id},${p.type},${joinDate},${p.district.region},${p.gender},${p.birthDate},${csvText(p.name)},${p.phone},${p.email},${p.industry},${employees},${channel},${winbackOf},${consent},${p.segment}\n`;
}

export function subscriptionLine(id: string, seq: number, customerId: string, h: Holding, start: string, end: string, contractEnd: string): string {
  return `${id}-${seq},${customerId},${h.product.id},${h.product.category},${start},${end},${contractEnd},${money(h.fee)}\n`;
}
