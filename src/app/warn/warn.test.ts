import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignTiers } from '../../domain/value/tiers.ts';
import { medianThresholds, quadrantOf } from '../../domain/value/matrix.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { baseSbg } from '../value/customer-value.ts';
import { SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { SCORE_CONTEXT_TABLE } from '../churn-model/score-context.ts';
import { buildWarningList, savedListMembers, saveWarningList, warningRows, type WarnInput, type WarnRow } from './warn.ts';
import { customerId, FIRST_SCORED, insertRun, LAST_SCORED_A, makeWarnStore, N, pA, pB, range, REGIONS, valueAt } from './test-fixture.ts';
import type { SbgParameters } from '../../domain/retention/sbg.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-warn-'));
let db = '';
let sbg: SbgParameters | null = null;
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  ({ db } = await makeWarnStore(root));
  const store = await DuckDBStore.open(db, { access: 'read-only' });
  try {
    sbg = await baseSbg(store);
  } finally {
    await store.close();
  }
}, 120_000);

const idOf = (id: string) => Number(id.slice(1));
const round2 = (x: number) => Math.round(x * 100) / 100;

async function list(input: WarnInput, path = db): Promise<{ rows: WarnRow[]; matched: number; previous: string | null }> {
  const store = await DuckDBStore.open(path, { access: 'read-only' });
  try {
    const l = await buildWarningList(store, input);
    return { rows: await warningRows(store, { kind: 'built' }, 0, 100_000), matched: l.matched, previous: l.previous?.asOf ?? null };
  } finally {
    await store.close();
  }
}

/** The ranking by hand: expected loss, then probability (descending), then id. */
function byHand(ids: readonly number[], p: (i: number) => number, asOf: string) {
  return ids
    .map((i) => ({ id: customerId(i), p: p(i), value: valueAt(i, asOf, sbg), loss: round2(p(i) * Math.max(0, valueAt(i, asOf, sbg))) }))
    .sort((a, b) => b.loss - a.loss || b.p - a.p || (a.id < b.id ? -1 : 1));
}

/** ntile(10) over the probabilities (ties by id): the first n mod 10 groups take one more. */
function deciles(ids: readonly number[], p: (i: number) => number): Map<string, number> {
  const sorted = [...ids].sort((a, b) => p(a) - p(b) || (customerId(a) < customerId(b) ? -1 : 1));
  const n = sorted.length;
  const small = Math.floor(n / 10);
  const big = n % 10;
  const out = new Map<string, number>();
  sorted.forEach((i, k) => {
    const decile = k < big * (small + 1) ? Math.floor(k / (small + 1)) + 1 : big + Math.floor((k - big * (small + 1)) / small) + 1;
    out.set(customerId(i), decile);
  });
  return out;
}

describe('tenure warn: the early-warning list', () => {
  it('ranks the scored customers by expected loss = churn probability × value at stake, as computed by hand', async () => {
    const { rows, matched, previous } = await list({ asOf: '2024-06' });
    const expected = byHand(range(FIRST_SCORED, N), pB, '2024-06');
    expect(matched).toBe(N - FIRST_SCORED + 1);
    expect(previous).toBe('2024-05');
    expect(rows.map((r) => r.customer_id)).toEqual(expected.map((e) => e.id));
    rows.forEach((r, k) => {
      const e = expected[k] as (typeof expected)[number];
      expect(r.rank).toBe(k + 1);
      expect(r.churn_probability).toBeCloseTo(e.p, 9);
      expect(Math.abs(r.customer_value - e.value)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(r.expected_loss - e.loss)).toBeLessThanOrEqual(0.01 + 1e-9);
      expect(r.region).toBe(REGIONS[idOf(r.customer_id) % 3]?.split('/')[0]);
    });
    expect(rows[0]?.expected_loss).toBeGreaterThan(rows[rows.length - 1]?.expected_loss ?? Infinity);
  });

  it('gives each customer the quadrant and tier of the value matrix of its month (medians and percentiles of the base)', async () => {
    const { rows } = await list({ asOf: '2024-06' });
    const store = await DuckDBStore.open(db, { access: 'read-only' });
    let base: { customer_id: string; current_value: number; potential: number }[];
    try {
      base = await store.query(`SELECT customer_id, current_value, potential FROM ${SNAPSHOT_TABLE} WHERE as_of = DATE '2024-06-01'`);
    } finally {
      await store.close();
    }
    const cur = base.map((b) => b.current_value);
    const t = medianThresholds(cur, base.map((b) => b.potential));
    const { tiers } = assignTiers(cur);
    const names = ['low', 'mid', 'high', 'silver', 'gold', 'platinum'];
    const byId = new Map(base.map((b, k) => [b.customer_id, { q: quadrantOf(b.current_value, b.potential, t), tier: names[tiers[k] as number] }]));
    expect(base.length).toBe(N - 6);
    for (const r of rows) {
      expect(r.value_quadrant, r.customer_id).toBe(byId.get(r.customer_id)?.q);
      expect(r.value_tier, r.customer_id).toBe(byId.get(r.customer_id)?.tier);
      expect(r.lifecycle_stage).toMatch(/^[A-E]$/);
    }
  });

  it('filters by probability, value, stage, quadrant, tier, region, segment and top, each against the full list', async () => {
    const all = (await list({ asOf: '2024-06' })).rows;
    const same = async (input: WarnInput, keep: (r: WarnRow) => boolean) => {
      const { rows, matched } = await list({ asOf: '2024-06', ...input });
      const expected = all.filter(keep).map((r) => r.customer_id);
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(input)).toBeLessThan(all.length);
      expect(rows.map((r) => r.customer_id), JSON.stringify(input)).toEqual(expected);
      expect(matched).toBe(expected.length);
      expect(rows.map((r) => r.rank)).toEqual(expected.map((_, k) => k + 1));
    };
    await same({ minProbability: 0.5 }, (r) => pB(idOf(r.customer_id)) >= 0.5);
    await same({ minValue: 2000 }, (r) => valueAt(idOf(r.customer_id), '2024-06', sbg) >= 2000);
    expect(new Set(all.map((r) => r.lifecycle_stage)).size).toBeGreaterThan(1);
    await same({ stages: ['C'] }, (r) => r.lifecycle_stage === 'C');
    await same({ stages: ['A', 'B', 'D'] }, (r) => ['A', 'B', 'D'].includes(r.lifecycle_stage as string));
    await same({ quadrants: ['III', 'IV'] }, (r) => r.value_quadrant === 'III' || r.value_quadrant === 'IV');
    await same({ tiers: ['gold', 'platinum'] }, (r) => r.value_tier === 'gold' || r.value_tier === 'platinum');
    await same({ region: '甘肃' }, (r) => idOf(r.customer_id) % 3 !== 2);
    await same({ region: '甘肃/兰州' }, (r) => idOf(r.customer_id) % 3 === 1);
    // The segments of tenure segments: full-service holds a TV product and broadband (i % 4 = 0 here).
    await same({ segment: 'full-service' }, (r) => idOf(r.customer_id) % 4 === 0);
    await same({ segment: 'other' }, (r) => idOf(r.customer_id) % 2 === 1);
    // Own definitions read the month's bill: revenue 20 + 3 · (i % 37) ≥ 80.
    await same(
      { segment: 'big', segmentDefinitions: [{ name: 'big', description: '', when: { field: 'revenue', op: '>=', value: 80 } }] },
      (r) => 20 + 3 * (idOf(r.customer_id) % 37) >= 80,
    );
    await same({ minProbability: 0.3, region: '甘肃', quadrants: ['IV'] }, (r) => pB(idOf(r.customer_id)) >= 0.3 && idOf(r.customer_id) % 3 !== 2 && r.value_quadrant === 'IV');
    const top = await list({ asOf: '2024-06', top: 25 });
    expect(top.rows.map((r) => r.customer_id)).toEqual(all.slice(0, 25).map((r) => r.customer_id));
    expect(top.matched).toBe(all.length);
    await expect(list({ asOf: '2024-06', segment: 'nonesuch' })).rejects.toThrow(/no segment named "nonesuch"; the segments are business, .*full-service/);
  });

  it('says what changed since the previous scoring: new on the previous run\'s list or not, and the risk decile up or down', async () => {
    const top = 30;
    const { rows } = await list({ asOf: '2024-06', top });
    const before = new Set(byHand(range(FIRST_SCORED, LAST_SCORED_A), pA, '2024-05').slice(0, top).map((e) => e.id));
    const now = deciles(range(FIRST_SCORED, N), pB);
    const then = deciles(range(FIRST_SCORED, LAST_SCORED_A), pA);
    const seen = new Set<string>();
    for (const r of rows) {
      const d = now.get(r.customer_id) as number;
      const prev = then.get(r.customer_id) ?? null;
      const expected = !before.has(r.customer_id) ? 'new' : d > (prev as number) ? 'risen' : d < (prev as number) ? 'fell' : 'unchanged';
      expect(r.change, r.customer_id).toBe(expected);
      expect(r.risk_decile).toBe(d);
      expect(r.previous_risk_decile).toBe(prev);
      seen.add(expected);
    }
    expect(seen.has('new')).toBe(true);
    expect(seen.size).toBeGreaterThan(1);
    // Without a cut, only customers the previous run did not score are new.
    const full = (await list({ asOf: '2024-06' })).rows;
    expect(full.filter((r) => r.change === 'new').map((r) => idOf(r.customer_id)).sort((a, b) => a - b)).toEqual(range(LAST_SCORED_A + 1, N));
    // The first scoring has nothing before it.
    const first = await list({ asOf: '2024-05', top: 5 });
    expect(first.previous).toBeNull();
    expect(first.rows.map((r) => r.change)).toEqual([null, null, null, null, null]);
  });

  it('needs a scoring of the month: exit-2 errors that say to run tenure score, or name the data\'s span', async () => {
    await expect(list({ asOf: '2024-04' })).rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringContaining('run `tenure score --as-of 2024-04` first (the latest scoring is as of 2024-06') });
    await expect(list({ asOf: '2024-09' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining("is after the data's last month 2024-06") });
  });

  it('a run scored before its context was kept is listed the same from the scores (read-only: in temporary tables)', async () => {
    const copy = join(root, 'no-context.duckdb');
    copyFileSync(db, copy);
    const w = await DuckDBStore.open(copy);
    try {
      await w.run(`DELETE FROM ${SCORE_CONTEXT_TABLE}`);
    } finally {
      await w.close();
    }
    const input = { asOf: '2024-06', top: 40, minProbability: 0.2 };
    expect((await list(input, copy)).rows).toEqual((await list(input)).rows);
  });

  it('a saved list is dated and frozen: the same members and figures after a new scoring run', async () => {
    const copy = join(root, 'frozen.duckdb');
    copyFileSync(db, copy);
    const store = await DuckDBStore.open(copy);
    try {
      const built = await buildWarningList(store, { asOf: '2024-06', top: 20, quadrants: ['III', 'IV'] });
      const saved = await saveWarningList(store, built, 'Q3-4 June');
      expect(saved).toMatchObject({ listId: 'WL1', name: 'Q3-4 June', asOf: '2024-06', members: 20, matched: built.matched, filters: { quadrant: ['III', 'IV'], top: 20 } });
      expect(saved.scoring.modelVersion).toBe('mB');
      expect(saved.previous?.asOf).toBe('2024-05');
      const rows = await warningRows(store, { kind: 'saved', listId: 'WL1' }, 0, 1000);
      const members = await savedListMembers(store, 'WL1');
      expect(members).toEqual(rows.map((r) => r.customer_id));
      // A new run of the month with reversed risks, scored later: the month's list changes, the saved one does not.
      await insertRun(store, 'mC', '2024-06', '2024-07-20 09:00:00', range(FIRST_SCORED, N), (i) => 1 - pB(i));
      await buildWarningList(store, { asOf: '2024-06', top: 20, quadrants: ['III', 'IV'] });
      const now = await warningRows(store, { kind: 'built' }, 0, 1000);
      expect(now.map((r) => r.customer_id)).not.toEqual(members);
      expect(await warningRows(store, { kind: 'saved', listId: 'WL1' }, 0, 1000)).toEqual(rows);
      expect(await savedListMembers(store, 'WL1')).toEqual(members);
      const second = await saveWarningList(store, await buildWarningList(store, { asOf: '2024-06', top: 5 }), 'Q3-4 June');
      expect(second.listId).toBe('WL2');
      expect(second.scoring.modelVersion).toBe('mC');
      await expect(saveWarningList(store, built, '')).rejects.toThrow(/a list name is 1–60/);
    } finally {
      await store.close();
    }
    const reader = await DuckDBStore.open(copy, { access: 'read-only' });
    try {
      await expect(saveWarningList(reader, { asOf: '2024-06' } as never, 'x')).rejects.toThrow(/opened read-only/);
    } finally {
      await reader.close();
    }
  });
});
