import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateStage, defaultLifecycleRules } from '../../domain/lifecycle/rules.ts';
import { transitionMatrix, timeInStage, type StageObservation } from '../../domain/lifecycle/history.ts';
import type { LifecycleFeatures } from '../../domain/lifecycle/features.ts';
import type { Stage } from '../../domain/lifecycle/stages.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { lifecycleSnapshot } from './lifecycle.ts';
import { ensureStageHistory } from './history-store.ts';
import { stagedSql } from './stages-sql.ts';
import { lifecycleTransitions } from './transitions.ts';
import { addBills, addCustomers, addExits, addSubscriptions, memoryStore, monthlyBills } from './test-store.ts';

/**
 * As of 2024-12:
 *  a1 joined 2024-10-05                                   → A (tenure 2)
 *  b1 joined 2024-03-01, 50 a month                       → B (tenure 9: past A, not yet 12 months)
 *  c1 joined 2022-01-01, 80 a month                       → C (at its own peak)
 *  d1 joined 2022-01-01, 100 until Sep then 60            → D (last 3 months 40 % below the 3 before)
 *  d2 joined 2022-01-01, 40 until Oct, no bills Nov–Dec   → D (dormant 2 months)
 *  e1 churned 2024-11-15, e2 churned 2024-12-31 (last day of M), e4 churned 2023-05-01 → E
 *  e3 churns 2025-01-03 (after M), 80 a month             → C, not E
 *  n1 joins 2025-01-10                                    → not staged in 2024-12
 */
let store: AnalyticsStore;
beforeAll(async () => {
  store = await memoryStore();
  await addCustomers(store, [
    { id: 'a1', joined: '2024-10-05' },
    { id: 'b1', joined: '2024-03-01' },
    { id: 'c1', joined: '2022-01-01' },
    { id: 'd1', joined: '2022-01-01' },
    { id: 'd2', joined: '2022-01-01' },
    { id: 'e1', joined: '2022-01-01' },
    { id: 'e2', joined: '2022-01-01' },
    { id: 'e3', joined: '2022-01-01' },
    { id: 'e4', joined: '2022-01-01' },
    { id: 'n1', joined: '2025-01-10' },
  ]);
  await addExits(store, [
    ['e1', '2024-11-15', 'voluntary', '101'],
    ['e2', '2024-12-31', 'involuntary', '335'],
    ['e3', '2025-01-03', 'voluntary', '205'],
    ['e4', '2023-05-01', 'voluntary', '210'],
  ]);
  await addBills(store, [
    ...monthlyBills('a1', '2024-10', '2024-12', 50),
    ...monthlyBills('b1', '2024-03', '2024-12', 50),
    ...monthlyBills('c1', '2024-01', '2024-12', 80, { cost: 30 }),
    ...monthlyBills('d1', '2024-01', '2024-12', (i) => (i < 9 ? 100 : 60)),
    ...monthlyBills('d2', '2024-01', '2024-10', 40),
    ...monthlyBills('e1', '2024-01', '2024-11', 80),
    ...monthlyBills('e2', '2024-01', '2024-12', 80),
    ...monthlyBills('e3', '2024-01', '2024-12', 80),
  ]);
});
afterAll(async () => store.close());

describe('lifecycle snapshot in SQL', () => {
  it('counts every stage, E being every account churned on or before the end of the month', async () => {
    const s = await lifecycleSnapshot(store, { asOf: '2024-12' });
    expect(s.as_of).toBe('2024-12');
    expect(s.stages).toEqual({ A: 1, B: 1, C: 2, D: 2, E: 3 });
    expect(s.active_customers).toBe(6);
    const rules = Object.fromEntries(s.rules.map((r) => [r.id, r.customers]));
    expect(rules).toMatchObject({ 'E-churned': 3, 'A-new': 1, 'D-arpu-drop': 1, 'D-dormant': 1, 'C-peak': 2, 'B-otherwise': 1 });
    // ARPU per stage = revenue billed in the month / customers in the stage; margin uses cost.
    const c = s.by_stage.find((x) => x.stage === 'C');
    expect(c?.arpu).toBe(80);
    expect(c?.margin).toBe(65); // (80 − 30 + 80 − 0) / 2
    expect(s.relationship_stages.map((r) => r.relationship)).toEqual(['exploration', 'formation', 'stability', 'decline', 'ended']);
  });

  it('defaults to the latest month with data and moves E with the as-of month', async () => {
    const latest = await lifecycleSnapshot(store);
    expect(latest.as_of).toBe('2024-12');
    const nov = await lifecycleSnapshot(store, { asOf: '2024-11' });
    expect(nov.stages.E).toBe(2); // e1 (Nov 15) and e4; e2 leaves on Dec 31
  });

  it('keeps the staged months and restages them when the data changes', async () => {
    const before = await lifecycleSnapshot(store, { asOf: '2024-10' });
    const kept = await ensureStageHistory(store, ['2024-10'], { rules: defaultLifecycleRules(), dataFirst: '2024-01', hasScores: false });
    expect(kept.staged).toEqual([]); // already kept
    await addCustomers(store, [{ id: 'late', joined: '2024-09-01' }]);
    await addExits(store, [['late', '2024-10-02', 'voluntary', '101']]);
    const after = await lifecycleSnapshot(store, { asOf: '2024-10' });
    expect(after.stages.E).toBe(before.stages.E + 1);
    await store.run(`DELETE FROM churn_events WHERE customer_id = 'late'`);
    await store.run(`DELETE FROM customers WHERE customer_id = 'late'`);
    expect((await lifecycleSnapshot(store, { asOf: '2024-10' })).stages).toEqual(before.stages);
  });

  it('stages every record the same way as the TypeScript evaluator', async () => {
    // A random operator: gaps, drops, zeros, churn; every month of a year staged in SQL.
    const rnd = (() => {
      let s = 7;
      return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    })();
    const other = await memoryStore();
    try {
      const ids = Array.from({ length: 160 }, (_, i) => `r${i}`);
      await addCustomers(other, ids.map((id) => ({ id, joined: `202${2 + Math.floor(rnd() * 3)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}` })));
      await addExits(other, ids.filter(() => rnd() < 0.2).map((id) => [id, `2024-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-15`, 'voluntary', '101']));
      await other.run(`DELETE FROM churn_events WHERE churn_date < (SELECT join_date FROM customers c WHERE c.customer_id = churn_events.customer_id)`);
      const bills = ids.flatMap((id) =>
        monthlyBills(id, '2023-07', '2024-12', () => Math.round(rnd() * 100), { voice: 100 }).filter((b) => rnd() < 0.85 && !(id.endsWith('7') && b.month > '2024-06')).map((b) => (rnd() < 0.3 ? { ...b, revenue: b.revenue * 0.3, voice: rnd() < 0.5 ? null : 10 } : b)),
      );
      await addBills(other, bills);
      const months = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12'];
      const rules = defaultLifecycleRules();
      const rows = await other.query<Record<string, string | number | boolean | null>>(stagedSql({ rules, months, dataFirst: '2023-07', withScores: false }));
      expect(rows.length).toBeGreaterThan(1000);
      const seen = new Set<string>();
      for (const r of rows) {
        const num = (k: string) => (r[k] === null ? null : Number(r[k]));
        const f: LifecycleFeatures = {
          tenure_months: Number(r.tenure_months),
          churned: r.churned === true,
          arpu_last3: num('arpu_last3'),
          arpu_prev3: num('arpu_prev3'),
          usage_last3: num('usage_last3'),
          usage_prev3: num('usage_prev3'),
          dormant_months: Number(r.dormant_months),
          peak_arpu3: num('peak_arpu3'),
          segment_arpu_rank: num('segment_arpu_rank'),
          churn_risk: num('churn_risk'),
        };
        const ts = evaluateStage(f, rules);
        expect(`${String(r.customer_id)} ${String(r.as_of)} ${String(r.stage)}/${String(r.rule)}`).toBe(`${String(r.customer_id)} ${String(r.as_of)} ${ts.stage}/${ts.rule}`);
        seen.add(ts.rule);
      }
      // Not vacuous: the sample reaches every kind of rule but the churn-model one.
      expect([...seen].sort(), [...seen].sort().join()).toEqual(['A-new', 'B-otherwise', 'C-peak', 'D-arpu-drop', 'D-dormant', 'D-usage-halved', 'E-churned']);
    } finally {
      await other.close();
    }
  });
});

describe('segment of the ARPU rank', () => {
  it('regression: a month staged alone equals the same month staged within a range (the segment is the month\'s products)', async () => {
    const other = await memoryStore();
    try {
      await addCustomers(other, [{ id: 'p1', joined: '2022-01-01' }, { id: 'p2', joined: '2022-01-01' }]);
      await addSubscriptions(other, [
        ['p1', 'tv_basic', '2022-01-01', '2024-10-15', 26],
        ['p1', 'broadband', '2022-01-01', null, 50],
        ['p2', 'broadband', '2022-01-01', null, 50],
      ]);
      await addBills(other, [...monthlyBills('p1', '2024-01', '2024-12', 60), ...monthlyBills('p2', '2024-01', '2024-12', 50)]);
      const rules = defaultLifecycleRules();
      const seg = async (months: string[]) =>
        (await other.query<{ customer_id: string; as_of: string; segment: string }>(`WITH s AS (${stagedSql({ rules, months, dataFirst: '2024-01', withScores: false })}) SELECT customer_id, as_of, segment FROM s ORDER BY as_of, customer_id`))
          .map((r) => `${r.customer_id} ${r.as_of.slice(0, 7)} ${r.segment}`);
      expect(await seg(['2024-12'])).toEqual(['p1 2024-12 individual:broadband', 'p2 2024-12 individual:broadband']);
      const range = await seg(['2024-09', '2024-10', '2024-11', '2024-12']);
      expect(range.filter((r) => r.includes('2024-12'))).toEqual(['p1 2024-12 individual:broadband', 'p2 2024-12 individual:broadband']);
      expect(range).toContain('p1 2024-10 individual:tv+broadband');
    } finally {
      await other.close();
    }
  });
});

describe('usage measure', () => {
  it('regression: the same quarter of usage gives the same mean whatever the order of the bills (usage adds exactly)', async () => {
    // As DOUBLE sums in row order, 0.1 + 0.2 + 0.3 is 0.6000000000000001 and 0.3 + 0.2 + 0.1 is 0.6.
    const other = await memoryStore();
    try {
      await addCustomers(other, ['u1', 'u2'].map((id) => ({ id, joined: '2022-01-01' })));
      const voice = (a: number, b: number, c: number) => (i: number) => [a, b, c][i - 9] ?? 1;
      const bills = (id: string, v: (i: number) => number) => monthlyBills(id, '2024-01', '2024-12', 10).map((b, i) => ({ ...b, voice: v(i) }));
      await addBills(other, [...bills('u1', voice(0.1, 0.2, 0.3)), ...bills('u2', voice(0.3, 0.2, 0.1))]);
      const rows = await other.query<{ customer_id: string; usage_last3: number; usage_prev3: number }>(
        `WITH s AS (${stagedSql({ rules: defaultLifecycleRules(), months: ['2024-12'], dataFirst: '2024-01', withScores: false })})
         SELECT customer_id, usage_last3, usage_prev3 FROM s ORDER BY customer_id`,
      );
      expect(rows.map((r) => r.customer_id)).toEqual(['u1', 'u2']);
      expect(rows[0]?.usage_last3).toBe(rows[1]?.usage_last3);
      expect(rows[0]?.usage_last3).toBeCloseTo(0.2, 12);
      expect(rows[0]?.usage_prev3).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('segment ARPU rank', () => {
  it('regression: equal quarters of bills rank equal, whatever the order of the amounts (money adds exactly)', async () => {
    // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 are both 0.6, but not as DOUBLE sums in that order:
    // t1 and t2 tie on ARPU (0.2) and must share one rank; t3 is below both.
    const other = await memoryStore();
    try {
      await addCustomers(other, ['t1', 't2', 't3'].map((id) => ({ id, joined: '2022-01-01' })));
      const quarter = (a: number, b: number, c: number) => (i: number) => [a, b, c][i - 9] ?? 1;
      await addBills(other, [
        ...monthlyBills('t1', '2024-01', '2024-12', quarter(0.1, 0.2, 0.3)),
        ...monthlyBills('t2', '2024-01', '2024-12', quarter(0.3, 0.2, 0.1)),
        ...monthlyBills('t3', '2024-01', '2024-12', quarter(0.1, 0.1, 0.1)),
      ]);
      const rows = await other.query<{ customer_id: string; arpu_last3: number; segment_arpu_rank: number }>(
        `WITH s AS (${stagedSql({ rules: defaultLifecycleRules(), months: ['2024-12'], dataFirst: '2024-01', withScores: false })})
         SELECT customer_id, arpu_last3, segment_arpu_rank FROM s ORDER BY customer_id`,
      );
      expect(rows.map((r) => [r.customer_id, r.segment_arpu_rank])).toEqual([['t1', 0.5], ['t2', 0.5], ['t3', 0]]);
      expect(rows[0]?.arpu_last3).toBe(rows[1]?.arpu_last3);
      expect(rows[0]?.arpu_last3).toBeCloseTo(0.2, 12);
    } finally {
      await other.close();
    }
  });
});

describe('stage history in SQL', () => {
  it('gives the transition matrix and time per stage of a crafted 3-month history, as the domain functions do', async () => {
    const t = await lifecycleTransitions(store, { from: '2024-10', to: '2024-12' });
    const rows = await store.query<{ customer_id: string; as_of: string; stage: string }>(
      `WITH s AS (${stagedSql({ rules: defaultLifecycleRules(), months: ['2024-10', '2024-11', '2024-12'], dataFirst: '2024-01', withScores: false })}) SELECT customer_id, as_of, stage FROM s`,
    );
    const obs: StageObservation[] = rows.map((r) => ({ customerId: r.customer_id, month: r.as_of.slice(0, 7), stage: r.stage as Stage }));
    const domain = transitionMatrix(obs);
    expect(t.counts).toEqual(domain.counts);
    expect(t.time_in_stage.map((x) => [x.stage, x.months, x.spells])).toEqual(timeInStage(obs).map((x) => [x.stage, x.months, x.spells]));
    // By hand: a1 stays A (2 moves A→A); e1 goes C → E in November; e2 C → C → E.
    const at = (from: Stage, to: Stage) => t.counts['ABCDE'.indexOf(from)]?.['ABCDE'.indexOf(to)];
    expect(at('A', 'A')).toBe(2);
    expect(at('C', 'E')).toBe(2);
    expect(t.counts[4]).toEqual([0, 0, 0, 0, 0]);
    // Patterns: e1 and e2 ended in the range after months in C (III); e4 ended before it (not counted).
    expect(t.patterns.find((p) => p.pattern === 'III')?.customers).toBe(2);
    expect(t.patterns.reduce((n, p) => n + p.customers, 0)).toBe(2);
  });
});

describe('relationship patterns', () => {
  it('regression 19.8: patterns + unassigned = the exits of the range, with the reason each exit is unassigned', async () => {
    // From 2024-11: e1 leaves in the range's first month (no stage before it in the range), e2 is
    // classified; a customer who joins and leaves within December is never staged alive.
    await addCustomers(store, [{ id: 'flash', joined: '2024-12-03' }]);
    await addExits(store, [['flash', '2024-12-20', 'voluntary', '101']]);
    try {
      const t = await lifecycleTransitions(store, { from: '2024-11', to: '2024-12' });
      const classified = t.patterns.reduce((n, p) => n + p.customers, 0);
      expect(t.exits).toBe(3);
      expect(classified).toBe(1);
      expect(Object.fromEntries(t.unassigned.reasons.map((r) => [r.reason, r.customers]))).toEqual({ joined_and_left_in_one_month: 1, left_in_first_month_of_range: 1 });
      expect(classified + t.unassigned.customers).toBe(t.exits);
    } finally {
      await store.run(`DELETE FROM churn_events WHERE customer_id = 'flash'`);
      await store.run(`DELETE FROM customers WHERE customer_id = 'flash'`);
    }
  });
});

describe('stage D from churn scores', () => {
  it('regression 19.8: a month\'s stages do not depend on whether a scoring run exists for it, and churn_scores_used is true only for a month whose scores were used', async () => {
    const before = await lifecycleSnapshot(store, { asOf: '2024-12' });
    const nov = await lifecycleSnapshot(store, { asOf: '2024-11' });
    // A scoring run of 2024-11 that calls c1 (at its peak, C) a 0.9 risk.
    await store.run(`INSERT INTO churn_scores VALUES ('m1', DATE '2024-11-01', 'c1', 0.9, 10, '[]', TIMESTAMP '2025-01-01 00:00:00')`);
    try {
      // Default rules read no score: neither the scored month nor the next one moves, and no month says it used scores.
      for (const [month, was] of [['2024-11', nov], ['2024-12', before]] as const) {
        const s = await lifecycleSnapshot(store, { asOf: month });
        expect(s.stages).toEqual(was.stages);
        expect(s.churn_scores_used).toBe(false);
      }
      // A rule file that reads churn_risk uses the run of that very month only, and says so per month.
      const base = defaultLifecycleRules();
      const risky = { ...base, rules: [...base.rules.slice(0, 2), { id: 'D-churn-risk', stage: 'D' as const, description: 'risk ≥ 0.5', when: { feature: 'churn_risk' as const, op: '>=' as const, value: 0.5 } }, ...base.rules.slice(2)] };
      const scored = await lifecycleSnapshot(store, { asOf: '2024-11', rules: risky });
      expect(scored.churn_scores_used).toBe(true);
      expect(scored.stages.D).toBe(nov.stages.D + 1);
      expect(Object.fromEntries(scored.rules.map((r) => [r.id, r.customers]))['D-churn-risk']).toBe(1);
      // 2024-12 has no run of its own: the November scores do not leak into it.
      const unscored = await lifecycleSnapshot(store, { asOf: '2024-12', rules: risky });
      expect(unscored.churn_scores_used).toBe(false);
      expect(unscored.stages).toEqual(before.stages);
    } finally {
      await store.run(`DELETE FROM churn_scores`);
    }
  });
});
