import { fraction } from '../../domain/numeric/shown.ts';
import type { NbaResult } from './nba.ts';

/** The next best action as JSON: the document `tenure nba --json` prints and the HTTP API sends. */
export function nbaJson(r: NbaResult) {
  return {
    customer_id: r.customerId,
    action: r.decision.action,
    offer_id: r.decision.offerId,
    why: r.decision.why,
    offer_name: r.decision.offerName,
    date: r.date,
    holdout: r.holdout,
    campaign_id: r.campaignId,
    churn_probability: fraction(r.facts.churnProbability),
    risk_decile: r.facts.riskDecile,
    value_quadrant: r.facts.quadrant,
    marketing_consent: r.facts.consent,
    recent_contacts: r.facts.recentContacts,
  };
}
