import { describe, expect, it } from 'vitest';
import type { ColumnSet } from './columns.ts';
import { Rng } from './random.ts';
import { UpliftModel, type UpliftSet } from './uplift.ts';

/**
 * A randomized experiment where churn depends on x1 (risk) and the offer works only where
 * x0 > 0 (persuadables), taking 30 points off their churn; x0 says nothing about risk.
 */
function experiment(rows: number, seed: number): UpliftSet {
  const rng = new Rng(seed);
  const x0 = new Float64Array(rows);
  const x1 = new Float64Array(rows);
  const treated = new Uint8Array(rows);
  const churned = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    x0[i] = rng.normal();
    x1[i] = rng.normal();
    treated[i] = rng.next() < 0.5 ? 1 : 0;
    const base = 1 / (1 + Math.exp(-(x1[i] as number)));
    const p = Math.max(0, base - (treated[i] && (x0[i] as number) > 0 ? 0.3 : 0));
    churned[i] = rng.next() < p ? 1 : 0;
  }
  const columns: ColumnSet = { rowCount: rows, columns: [{ kind: 'numeric', name: 'x0', values: x0 }, { kind: 'numeric', name: 'x1', values: x1 }] };
  return { columns, treated, churned };
}

function meanUplift(model: UpliftModel, set: UpliftSet, where: (x0: number) => boolean): number {
  const { uplift } = model.predict(set.columns);
  const x0 = (set.columns.columns[0] as { values: Float64Array }).values;
  let s = 0;
  let n = 0;
  uplift.forEach((u, i) => {
    if (where(x0[i] as number)) {
      s += u;
      n++;
    }
  });
  return s / n;
}

describe('uplift learners', () => {
  const train = experiment(6000, 1);
  const valid = experiment(2000, 2);
  const test = experiment(3000, 3);

  for (const learner of ['t_learner', 's_learner'] as const) {
    it(`${learner}: finds the persuadables (x0 > 0) and not the riskiest`, () => {
      const model = UpliftModel.train(learner, train, { valid });
      const persuadable = meanUplift(model, test, (x) => x > 0);
      const others = meanUplift(model, test, (x) => x <= 0);
      expect(persuadable).toBeGreaterThan(0.15);
      expect(Math.abs(others)).toBeLessThan(0.08);
      const { churnWithout, churnWith } = model.predict(test.columns);
      churnWithout.forEach((p, i) => {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
        expect(churnWith[i]).toBeGreaterThan(0);
      });
    });
  }

  it('survives its JSON form and predicts the same', () => {
    const model = UpliftModel.train('t_learner', train, { valid });
    const back = UpliftModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(back.learner).toBe('t_learner');
    expect(Array.from(back.predict(test.columns).uplift)).toEqual(Array.from(model.predict(test.columns).uplift));
    expect(() => UpliftModel.fromJSON({ learner: 't_learner', models: { control: model.toJSON().models.control } })).toThrow(/lacks its treated model/);
    expect(() => UpliftModel.fromJSON({ learner: 'x', models: {} })).toThrow(/not an uplift model/);
  });

  it('a refit with fixed rounds keeps that many trees', () => {
    const model = UpliftModel.train('t_learner', train, { rounds: { control: 7, treated: 9 } });
    expect(model.trees).toEqual({ control: 7, treated: 9 });
  });
});
