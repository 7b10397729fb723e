/**
 * Growth potential (客户增值潜力, CRM textbook §3.2): the present value of the extra profit a
 * customer could bring if the relationship is developed, from three sources, each kept
 * separate so the figure can be explained to the account manager:
 *  - up-buy (增量购买): spending more on what they already have — the ARPU headroom up to a
 *    target within their segment (default: the segment's 75th-percentile ARPU);
 *  - cross-buy (交叉购买): products that similar customers hold and this one lacks;
 *  - referral (推荐新客户): new customers brought in through on-net contacts.
 * Up-buy and cross-buy are monthly margins, valued over the same discounted remaining
 * lifetime as current value; referral is a one-off value of the customers referred.
 */
export interface UpBuyInput {
  readonly arpu: number;
  /** ARPU the customer could reach within their segment, e.g. the segment's 75th percentile. */
  readonly targetArpu: number;
  /** Margin per unit of extra revenue (0–1), e.g. the customer's own margin / revenue. */
  readonly marginRate: number;
  /** Chance the headroom is realised (0–1). */
  readonly takeUpProbability: number;
}

export interface CrossBuyProduct {
  readonly product: string;
  /** Share of similar customers holding the product (0–1): the chance this one would take it. */
  readonly adoptionRate: number;
  /** Monthly margin of the product. */
  readonly monthlyMargin: number;
}

export interface ReferralInput {
  readonly onNetContacts: number;
  /** Expected referred customers per on-net contact over the remaining relationship (0–1). */
  readonly referralRate: number;
  /** Value of one referred customer, e.g. the mean current value of new customers. */
  readonly newCustomerValue: number;
}

export interface PotentialInput {
  readonly upBuy: UpBuyInput;
  /** Products similar customers hold that this customer lacks. */
  readonly crossBuy: readonly CrossBuyProduct[];
  readonly referral: ReferralInput;
  /** Discounted expected remaining lifetime in months (as in current value). */
  readonly remainingLifetime: number;
}

export interface GrowthPotential {
  readonly upBuy: { readonly value: number; readonly headroom: number; readonly monthlyMargin: number };
  readonly crossBuy: {
    readonly value: number;
    readonly monthlyMargin: number;
    readonly products: readonly { product: string; monthlyMargin: number; value: number }[];
  };
  readonly referral: { readonly value: number; readonly expectedReferrals: number };
  readonly total: number;
}

const probability = (name: string, p: number) => {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${p}`);
  return p;
};

export function growthPotential(input: PotentialInput): GrowthPotential {
  const { upBuy, crossBuy, referral, remainingLifetime } = input;
  const headroom = Math.max(0, upBuy.targetArpu - upBuy.arpu);
  const upMonthly = headroom * Math.max(0, upBuy.marginRate) * probability('take-up probability', upBuy.takeUpProbability);
  const products = crossBuy
    .map((p) => {
      const monthlyMargin = probability(`adoption rate of ${p.product}`, p.adoptionRate) * Math.max(0, p.monthlyMargin);
      return { product: p.product, monthlyMargin, value: monthlyMargin * remainingLifetime };
    })
    .sort((a, b) => b.value - a.value);
  const crossMonthly = products.reduce((s, p) => s + p.monthlyMargin, 0);
  const expectedReferrals = Math.max(0, referral.onNetContacts) * probability('referral rate', referral.referralRate);
  const referralValue = expectedReferrals * Math.max(0, referral.newCustomerValue);
  const upValue = upMonthly * remainingLifetime;
  const crossValue = crossMonthly * remainingLifetime;
  return {
    upBuy: { value: upValue, headroom, monthlyMargin: upMonthly },
    crossBuy: { value: crossValue, monthlyMargin: crossMonthly, products },
    referral: { value: referralValue, expectedReferrals },
    total: upValue + crossValue + referralValue,
  };
}

/**
 * Products that similar customers hold and this one lacks, with their adoption rate among the
 * similar customers. `peerHoldings` lists, per similar customer, the products held.
 */
export function crossBuyCandidates(
  held: ReadonlySet<string>,
  peerHoldings: readonly ReadonlySet<string>[],
  productMargin: ReadonlyMap<string, number>,
  minAdoption = 0.05,
): CrossBuyProduct[] {
  if (peerHoldings.length === 0) return [];
  const counts = new Map<string, number>();
  for (const peer of peerHoldings) for (const p of peer) if (!held.has(p)) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts]
    .map(([product, c]) => ({ product, adoptionRate: c / peerHoldings.length, monthlyMargin: productMargin.get(product) ?? 0 }))
    .filter((p) => p.adoptionRate >= minAdoption)
    .sort((a, b) => b.adoptionRate - a.adoptionRate || (a.product < b.product ? -1 : 1));
}
