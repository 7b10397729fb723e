import { describe, expect, it } from 'vitest';
import { testEngines } from '../../store/postgres/test-server.ts';
import { expectedLoss, expectedLossSql } from './expected-loss.ts';

const engines = await testEngines();

describe('expected loss', () => {
  it('is probability × max(0, value at stake), to the cent; a loss-making or unknown value counts as 0', () => {
    expect(expectedLoss(0.25, 1000)).toBe(250);
    expect(expectedLoss(0.123456, 1000)).toBe(123.46);
    expect(expectedLoss(0.5, -800)).toBe(0);
    expect(expectedLoss(0.5, Number.NaN)).toBe(0);
    expect(expectedLoss(0, 5000)).toBe(0);
  });

  for (const engine of engines) it.skipIf(engine.skip !== undefined)(`the SQL the lists rank by gives the same cents as the TypeScript score writes, ties at half a cent included (${engine.name}${engine.skip ? `; skipped: ${engine.skip}` : ''})`, async () => {
    const cases: [number, number][] = [
      [0.5, 0.01], [0.5, 0.03], [0.25, 0.02], [0.1, 1.05], [0.3, 0.05], [0.7, -3], [0.999999, 123456.789], [1, 0.005], [0.5, 2.01],
    ];
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 2000; k++) cases.push([Math.round(next() * 1e6) / 1e6, Math.round((next() * 20000 - 2000) * 100) / 100]);
    const store = await engine.open();
    try {
      await store.stageColumns('cases', { rowCount: cases.length, names: ['p', 'v'], columns: { p: Float64Array.from(cases, (c) => c[0]), v: Float64Array.from(cases, (c) => c[1]) } });
      const rows = await store.query<{ loss: number }>(`SELECT ${expectedLossSql(store.dialect, 'p', 'v')} AS loss FROM cases`);
      expect(rows.map((r) => Number(r.loss))).toEqual(cases.map(([p, v]) => expectedLoss(p, v)));
    } finally {
      await store.close();
    }
  });
});
