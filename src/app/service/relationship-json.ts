import { COMPONENT_LABELS, COMPONENTS } from '../../domain/service/scorecard.ts';
import type { Distribution } from '../../domain/service/rates.ts';
import type { RelationshipReport } from './relationship.ts';

/** `tenure relationship --json` and the API's relationship document. */
const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
const r6 = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);

function distributionJson(d: Distribution) {
  const [p10, p25, p50, p75, p90] = d.quantiles.map(r2);
  return { n: d.n, mean: r2(d.mean), p10, p25, p50, p75, p90 };
}

export function relationshipJson(r: RelationshipReport, lang: 'zh' | 'en') {
  return {
    as_of: r.as_of,
    segment_field: r.segment_field,
    accounts: r.accounts,
    components: COMPONENTS.map((c) => ({ component: c, name: COMPONENT_LABELS[c][lang], weight: r.weights[c], coverage: r6(r.coverage[c]) })),
    distribution: distributionJson(r.overall),
    segments: r.segments.map((s) => ({ segment: s.segment, ...distributionJson(s.distribution) })),
    weakest: r.weakest.map((w) => ({ customer_id: w.customer_id, segment: w.segment, score: r2(w.score), components: Object.fromEntries(COMPONENTS.map((c) => [c, r6(w.components[c])])) })),
    prediction: {
      evaluated_as_of: r.prediction.evaluated_as_of,
      horizon: r.prediction.horizon,
      accounts: r.prediction.accounts,
      churned: r.prediction.churned,
      auc: r6(r.prediction.auc),
      component_auc: Object.fromEntries(COMPONENTS.map((c) => [c, r6(r.prediction.component_auc[c])])),
      model: r.prediction.model === null ? null : { ...r.prediction.model, auc: r6(r.prediction.model.auc) },
      note: r.prediction.note,
    },
  };
}

