import { describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.ts';
import { NUMERIC_FEATURES, type LifecycleFeatures } from './features.ts';
import { defaultLifecycleRules, evaluateStage, validateLifecycleRules, type LifecycleRules } from './rules.ts';
import { ruleCaseSql, stageCaseSql } from './sql.ts';
import { seeded } from '../test-random.ts';

/** Random feature records with nulls, zeros and values on the rule thresholds. */
function randomFeatures(n: number, seed: number): LifecycleFeatures[] {
  const u = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)] as T;
  return Array.from({ length: n }, () => ({
    tenure_months: pick([0, 3, 5, 6, 11, 12, 30]),
    churned: u() < 0.1,
    arpu_last3: pick([null, 0, 56, 70, 90, 108]),
    arpu_prev3: pick([null, 0, 80, 100]),
    usage_last3: pick([null, 0, 250, 400]),
    usage_prev3: pick([null, 0, 500]),
    dormant_months: pick([0, 1, 2, 3]),
    peak_arpu3: pick([null, 100, 120]),
    segment_arpu_rank: pick([null, 0.5, 0.75, 0.9]),
    churn_risk: pick([null, 0.2, 0.5, 0.8]),
  }));
}

async function compareWithSql(rules: LifecycleRules, features: readonly LifecycleFeatures[]): Promise<void> {
  const store = await openStore(':memory:', { access: 'read-write' });
  try {
    const cols = NUMERIC_FEATURES.map((f) => `${f} DOUBLE`).join(', ');
    await store.run(`CREATE TABLE f (id INTEGER, churned BOOLEAN, ${cols})`);
    const lit = (v: number | null) => (v === null ? 'NULL' : String(v));
    const values = features.map((f, i) => `(${i}, ${f.churned}, ${NUMERIC_FEATURES.map((k) => lit(f[k])).join(', ')})`);
    await store.run(`INSERT INTO f (id, churned, ${NUMERIC_FEATURES.join(', ')}) VALUES ${values.join(', ')}`);
    const rows = await store.query<{ id: number; stage: string; rule: string }>(
      `SELECT id, ${stageCaseSql(rules)} AS stage, ${ruleCaseSql(rules)} AS rule FROM f ORDER BY id`,
    );
    const sql = rows.map((r) => `${r.stage}/${r.rule}`);
    const ts = features.map((f) => {
      const r = evaluateStage(f, rules);
      return `${r.stage}/${r.rule}`;
    });
    expect(sql).toEqual(ts);
  } finally {
    await store.close();
  }
}

describe('lifecycle rules compiled to SQL', () => {
  it('stage the same customers as the TypeScript evaluator (default rules)', async () => {
    const features = randomFeatures(600, 1);
    await compareWithSql(defaultLifecycleRules(), features);
    // The sample reaches every stage, so the comparison is not vacuous.
    const stages = new Set(features.map((f) => evaluateStage(f, defaultLifecycleRules()).stage));
    expect([...stages].sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('keep NULL semantics under `not` (a comparison with a missing feature is false, so its negation is true)', async () => {
    const base = defaultLifecycleRules();
    const { rules, errors } = validateLifecycleRules({
      ...base,
      rules: [
        ...base.rules.slice(0, 1),
        { id: 'C-no-risk', stage: 'C', description: 'no high risk known', when: { not: { feature: 'churn_risk', op: '>=', value: 0.5 } } },
        { id: 'D-not-ratio', stage: 'D', description: '', when: { not: { ratio: ['arpu_last3', 'arpu_prev3'], op: '>', value: 0.9 } } },
      ],
    });
    expect(errors).toEqual([]);
    await compareWithSql(rules ?? base, randomFeatures(300, 2));
  });
});
