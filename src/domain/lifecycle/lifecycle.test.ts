import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { LifecycleFeatures } from './features.ts';
import {
  relationshipPattern,
  relationshipPatterns,
  stageTransitions,
  timeInStage,
  transitionMatrix,
  type StageObservation,
} from './history.ts';
import { defaultLifecycleRules, evaluateStage, parseLifecycleRules, validateLifecycleRules } from './rules.ts';
import { STAGE_INFO, type Stage } from './stages.ts';

const steady: LifecycleFeatures = {
  tenure_months: 24,
  churned: false,
  arpu_last3: 80,
  arpu_prev3: 82,
  usage_last3: 500,
  usage_prev3: 520,
  dormant_months: 0,
  peak_arpu3: 120,
  segment_arpu_rank: 0.5,
  churn_risk: null,
};
const rules = defaultLifecycleRules();
const stageOf = (f: Partial<LifecycleFeatures>) => evaluateStage({ ...steady, ...f }, rules);

describe('lifecycle rules', () => {
  it('the default file is version 1 and valid', () => {
    const raw = JSON.parse(readFileSync(new URL('./default-rules.json', import.meta.url), 'utf8')) as { version: number };
    expect(raw.version).toBe(1);
    expect(validateLifecycleRules(raw).errors).toEqual([]);
  });

  it('puts crafted customers in the right stage and names the rule', () => {
    // Churned wins over everything, even a new customer.
    expect(stageOf({ churned: true, tenure_months: 2 })).toEqual({ stage: 'E', rule: 'E-churned' });
    expect(stageOf({ tenure_months: 5 })).toEqual({ stage: 'A', rule: 'A-new' });
    // 56 / 80 = 0.7: exactly 30 % down is decline.
    expect(stageOf({ arpu_last3: 56, arpu_prev3: 80 })).toEqual({ stage: 'D', rule: 'D-arpu-drop' });
    expect(stageOf({ arpu_last3: 57, arpu_prev3: 80 }).stage).toBe('B');
    expect(stageOf({ usage_last3: 250, usage_prev3: 500 })).toEqual({ stage: 'D', rule: 'D-usage-halved' });
    expect(stageOf({ dormant_months: 2 })).toEqual({ stage: 'D', rule: 'D-dormant' });
    // The default rules read no churn score (issue 19.8): a high risk alone is no decline.
    expect(stageOf({ churn_risk: 0.6 }).rule).not.toBe('D-churn-risk');
    // At 90 % of the own peak (108 / 120) with tenure ≥ 12: climax.
    expect(stageOf({ arpu_last3: 108, arpu_prev3: 100 })).toEqual({ stage: 'C', rule: 'C-peak' });
    expect(stageOf({ segment_arpu_rank: 0.8 })).toEqual({ stage: 'C', rule: 'C-peak' });
    // Same ARPU but tenure 11: not yet climax.
    expect(stageOf({ arpu_last3: 108, arpu_prev3: 100, tenure_months: 11 })).toEqual({ stage: 'B', rule: 'B-otherwise' });
  });

  it('treats missing features as not matching', () => {
    // No previous quarter (e.g. billing started 3 months ago): the ARPU-drop ratio cannot fire.
    expect(stageOf({ arpu_prev3: null, arpu_last3: 10 }).stage).toBe('B');
    expect(stageOf({ arpu_prev3: 0, arpu_last3: 0 }).stage).toBe('B');
  });

  it('users can change the rules, and bad files get clear errors', () => {
    const custom = JSON.parse(JSON.stringify(rules)) as { rules: { id: string; when: unknown }[] };
    const a = custom.rules.find((r) => r.id === 'A-new');
    if (a) a.when = { feature: 'tenure_months', op: '<', value: 3 };
    const parsed = validateLifecycleRules(custom);
    expect(parsed.errors).toEqual([]);
    expect(evaluateStage({ ...steady, tenure_months: 4 }, parsed.rules ?? rules).stage).toBe('B');

    const bad = parseLifecycleRules(
      JSON.stringify({
        version: 2,
        rules: [{ id: 'x', stage: 'F', description: '', when: { feature: 'arpu', op: '<', value: 1 } }],
        default: { id: 'd', stage: 'B', description: '' },
        patterns: { longStabilityMonths: 12 },
      }),
    );
    expect(bad.rules).toBeNull();
    const text = bad.errors.join('\n');
    expect(text).toMatch(/^version: only rule-file version 1 is supported/m);
    expect(text).toMatch(/rules\[0\]\.stage/);
    expect(text).toMatch(/rules\[0\]\.when/);
    expect(parseLifecycleRules('{ not json').errors[0]).toMatch(/not valid JSON/);
    const noExitFirst = JSON.parse(JSON.stringify(rules)) as { rules: unknown[] };
    noExitFirst.rules.reverse();
    expect(validateLifecycleRules(noExitFirst).errors.join()).toMatch(/first rule must put churned customers in E/);
  });

  it('maps the textbook relationship stages onto the deck stages', () => {
    expect((['A', 'B', 'C', 'D'] as Stage[]).map((s) => STAGE_INFO[s].relationship)).toEqual([
      'exploration',
      'formation',
      'stability',
      'decline',
    ]);
  });
});

function history(id: string, start: number, stages: string): StageObservation[] {
  return [...stages].map((s, i) => {
    const m = start + i;
    return { customerId: id, month: `2024-${String(m).padStart(2, '0')}`, stage: s as Stage };
  });
}

describe('stage history', () => {
  const obs = [...history('a', 1, 'AABBCCDE'), ...history('b', 1, 'AAE'), ...history('c', 3, 'BBBB')];

  it('transitions', () => {
    expect(stageTransitions(obs).filter((t) => t.customerId === 'a').map((t) => `${t.month}:${t.from}${t.to}`)).toEqual([
      '2024-03:AB',
      '2024-05:BC',
      '2024-07:CD',
      '2024-08:DE',
    ]);
  });

  it('time per stage', () => {
    // A: a 2 + b 2 = 4 months in 2 spells; B: a 2 + c 4 = 6 in 2; C 2 in 1; D 1 in 1; E 2 exits.
    const t = Object.fromEntries(timeInStage(obs).map((s) => [s.stage, [s.months, s.spells, s.meanSpellMonths]]));
    expect(t).toEqual({ A: [4, 2, 2], B: [6, 2, 3], C: [2, 1, 2], D: [1, 1, 1], E: [2, 2, 1] });
  });

  it('transition matrix', () => {
    const m = transitionMatrix(obs);
    // From A: a A→A, A→B; b A→A, A→E → [2, 1, 0, 0, 1]
    expect(m.counts[0]).toEqual([2, 1, 0, 0, 1]);
    // From B: a B→B, B→C; c B→B ×3 → [0, 4, 1, 0, 0]
    expect(m.counts[1]).toEqual([0, 4, 1, 0, 0]);
    expect(m.probabilities[1]).toEqual([0, 0.8, 0.2, 0, 0]);
    expect(m.counts[4]).toEqual([0, 0, 0, 0, 0]);
  });

  it('relationship patterns I–IV', () => {
    expect(relationshipPattern([...'AAAE'] as Stage[], 12)).toBe('I');
    expect(relationshipPattern([...'AADE'] as Stage[], 12)).toBe('I');
    expect(relationshipPattern([...'AABBBDE'] as Stage[], 12)).toBe('II');
    expect(relationshipPattern([...'ABCCCDE'] as Stage[], 12)).toBe('III');
    expect(relationshipPattern([...'AB' + 'C'.repeat(12) + 'DE'] as Stage[], 12)).toBe('IV');
    expect(relationshipPattern([...'ABCC'] as Stage[], 12)).toBeNull();
    const p = relationshipPatterns(obs, 2);
    // a reached C for 2 months (= long with threshold 2) → IV; b → I; c still active.
    expect(Object.fromEntries(p.byCustomer)).toEqual({ a: 'IV', b: 'I' });
    expect(p.counts).toEqual({ I: 1, II: 0, III: 0, IV: 1 });
  });
});
