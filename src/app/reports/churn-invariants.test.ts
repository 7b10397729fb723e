import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { addMonths, monthRange } from '../../domain/month.ts';
import { refreshChurnBasis } from './basis.ts';
import { churnReasons } from './churn-reasons.ts';
import { churnRegions, REGION_LEVELS } from './churn-regions.ts';
import { churnTotals, type ChurnTotalsRow } from './churn-totals.ts';
import { churnCompetitors, churnReasonGroups } from './churn-breakdown.ts';
import { churnCheck } from './churn-check.ts';
import { divideHalfUp, toMicros } from './exact.ts';

/*
 * A larger pseudo-random operator (fixed seed): accounts joining 2021–2024, ~40% churning
 * at some day after joining, usage rows with gaps, before join and after churn, revenue with
 * up to 4 decimals. Checked against the report identities and against a brute-force oracle
 * that applies the contract's definitions literally to every account.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-reports-rand-'));
let store: DuckDBStore;
const N = 600;

beforeAll(async () => {
  store = await DuckDBStore.open(join(dir, 'random.duckdb'));
  await store.run(`
    INSERT INTO customers (customer_id, customer_type, join_date, region, province, city, district)
    SELECT 'r' || CAST(i AS VARCHAR), 'individual', DATE '2021-01-01' + CAST(hash(i, 11) % 1460 AS INTEGER),
           p || '/' || c || '/' || d, p, c, d
    FROM (SELECT i, ['甘肃', '四川', '青海'][1 + CAST(hash(i, 12) % 3 AS INTEGER)] AS p,
                 ['甲', '乙'][1 + CAST(hash(i, 13) % 2 AS INTEGER)] AS c,
                 ['一区', '二区', '三区'][1 + CAST(hash(i, 14) % 3 AS INTEGER)] AS d
          FROM range(${N}) t(i))`);
  await store.run(`
    INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code)
    SELECT customer_id, join_date + CAST(hash(customer_id, 21) % 700 AS INTEGER),
           CASE WHEN hash(customer_id, 22) % 3 = 0 THEN 'involuntary' ELSE 'voluntary' END,
           CASE WHEN hash(customer_id, 22) % 3 = 0 THEN '335' ELSE ['101', '205', '210'][1 + CAST(hash(customer_id, 23) % 3 AS INTEGER)] END
    FROM customers WHERE hash(customer_id, 20) % 10 < 4`);
  await store.run(`
    INSERT INTO monthly_usage (customer_id, month, revenue)
    SELECT c.customer_id, CAST(DATE '2022-01-01' + INTERVAL (k) MONTH AS DATE),
           CAST(CAST(hash(c.customer_id, k, 31) % 1000000 AS DECIMAL(18,6)) / 10000 AS DECIMAL(18,6))
    FROM customers c CROSS JOIN range(36) t(k)
    WHERE hash(c.customer_id, k, 30) % 4 <> 0`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Account {
  join: string;
  churn: string | null;
  type: string | null;
  bills: Map<string, bigint>; // month → revenue in micros
}

/** The contract's definitions applied account by account (small data only). */
async function oracle(from: string, to: string): Promise<ChurnTotalsRow[]> {
  const accounts = new Map<string, Account>();
  for (const r of await store.query<{ id: string; j: string; c: string | null; t: string | null }>(
    'SELECT c.customer_id AS id, c.join_date AS j, e.churn_date AS c, e.churn_type AS t FROM customers c LEFT JOIN churn_events e USING (customer_id)',
  )) {
    accounts.set(r.id, { join: r.j, churn: r.c, type: r.t, bills: new Map() });
  }
  for (const u of await store.query<{ id: string; m: string; r: string }>('SELECT customer_id AS id, month AS m, revenue AS r FROM monthly_usage')) {
    accounts.get(u.id)?.bills.set(u.m.slice(0, 7), toMicros(u.r));
  }
  return monthRange(from, to).map((m) => {
    const start = `${m}-01`;
    const next = `${addMonths(m, 1)}-01`;
    let opening = 0n, adds = 0n, vol = 0n, invol = 0n, revenue = 0n, lostSixths = 0n;
    for (const a of accounts.values()) {
      if (a.join < start && !(a.churn !== null && a.churn < start)) opening++;
      if (a.join >= start && a.join < next) adds++;
      revenue += a.bills.get(m) ?? 0n;
      if (a.churn !== null && a.churn >= start && a.churn < next) {
        if (a.type === 'voluntary') vol++;
        else invol++;
        const prior = [...a.bills.entries()].filter(([bm]) => bm < m).sort(([x], [y]) => (x < y ? 1 : -1)).slice(0, 3);
        if (prior.length > 0) lostSixths += (prior.reduce((s, [, v]) => s + v, 0n) * 6n) / BigInt(prior.length);
      }
    }
    const closing = opening + adds - vol - invol;
    return {
      month: m, opening: Number(opening), gross_adds: Number(adds), pre_churn: Number(opening + adds),
      voluntary: Number(vol), involuntary: Number(invol), closing: Number(closing),
      churn_rate: opening === 0n ? null : divideHalfUp(vol + invol, opening, 6),
      arpu: opening + closing === 0n ? null : divideHalfUp(2n * revenue, (opening + closing) * 1_000_000n, 2),
      revenue_lost: divideHalfUp(lostSixths, 6_000_000n, 2),
    };
  });
}

const cents = (money: string): number => Math.round(Number(money) * 100);

describe('churn reports on a randomised operator', () => {
  it('agree with the account-by-account oracle, month by month', async () => {
    // Default range: the data's span, first to last billed month (app/data-span.ts). Churns run
    // past the bills here; those months have no bills, so they are outside the data.
    const [last] = await store.query<{ m: string; e: string }>(
      'SELECT (SELECT max(month) FROM monthly_usage) AS m, (SELECT max(churn_date) FROM churn_events) AS e',
    );
    const to = String(last?.m).slice(0, 7);
    expect(to).toBe('2024-12');
    expect(String(last?.e).slice(0, 7) > to).toBe(true);
    const report = await churnTotals(store, {});
    expect(report.range).toMatchObject({ from: '2022-01', to });
    expect(report.rows).toEqual(await oracle('2022-01', to));
    await expect(churnTotals(store, { to: '2025-01' })).rejects.toThrow(/--to 2025-01 is after the data's last month 2024-12; the data covers 2022-01\.\.2024-12/);
  });

  it('close each month at the next month’s opening', async () => {
    const { rows } = await churnTotals(store, { from: '2022-01', to: '2024-12' });
    expect(rows).toHaveLength(36);
    for (let i = 0; i + 1 < rows.length; i++) expect(rows[i]?.closing).toBe(rows[i + 1]?.opening);
    expect(rows.some((r) => r.voluntary + r.involuntary > 0 && r.gross_adds > 0)).toBe(true);
  });

  it('break churn down by reason into exactly voluntary + involuntary per month', async () => {
    const totals = await churnTotals(store, {});
    const reasons = await churnReasons(store, {});
    for (const t of totals.rows) {
      const month = reasons.rows.filter((r) => r.month === t.month);
      expect(month.filter((r) => r.churn_type === 'voluntary').reduce((s, r) => s + r.count, 0)).toBe(t.voluntary);
      expect(month.filter((r) => r.churn_type === 'involuntary').reduce((s, r) => s + r.count, 0)).toBe(t.involuntary);
      // Each row is rounded on its own: the sum may differ from the total by half a cent per row.
      const drift = Math.abs(month.reduce((s, r) => s + cents(r.revenue_lost), 0) - cents(t.revenue_lost));
      expect(drift).toBeLessThanOrEqual(Math.ceil(month.filter((r) => r.count > 0).length / 2));
    }
  });

  it('sum over regions to the totals at every level', async () => {
    const totals = await churnTotals(store, {});
    for (const level of REGION_LEVELS) {
      const regions = await churnRegions(store, { level });
      for (const t of totals.rows) {
        const month = regions.rows.filter((r) => r.month === t.month);
        expect(month.reduce((s, r) => s + r.opening, 0)).toBe(t.opening);
        expect(month.reduce((s, r) => s + r.voluntary, 0)).toBe(t.voluntary);
        expect(month.reduce((s, r) => s + r.involuntary, 0)).toBe(t.involuntary);
        const drift = Math.abs(month.reduce((s, r) => s + cents(r.revenue_lost), 0) - cents(t.revenue_lost));
        expect(drift).toBeLessThanOrEqual(Math.ceil(month.length / 2));
      }
      expect(new Set(regions.rows.map((r) => r.region.split('/').length))).toEqual(new Set([REGION_LEVELS.indexOf(level) + 1]));
    }
  });

  it('break churn down by competitor and by reason group into exactly the totals: counts and revenue lost to the cent', async () => {
    // Competitors as exports have them: named, padded with spaces, blank, missing.
    await store.run(`UPDATE churn_events SET competitor = ['中国移动', ' 中国移动', '中国电信', '', NULL, NULL][1 + CAST(hash(customer_id, 24) % 6 AS INTEGER)]`);
    const totals = await churnTotals(store, {});
    const competitors = await churnCompetitors(store, {});
    const groups = await churnReasonGroups(store, {});
    const check = await churnCheck(store, {});
    expect(new Set(competitors.rows.map((r) => r.competitor))).toEqual(new Set(['中国移动', '中国电信', null]));
    for (const [i, t] of totals.rows.entries()) {
      for (const rows of [competitors.rows.filter((r) => r.month === t.month), groups.rows.filter((r) => r.month === t.month)]) {
        expect(rows.reduce((s, r) => s + r.count, 0)).toBe(t.voluntary + t.involuntary);
        expect(rows.reduce((s, r) => s + cents(r.revenue_lost), 0)).toBe(cents(t.revenue_lost));
      }
      const byCompetitor = competitors.rows.filter((r) => r.month === t.month);
      expect(byCompetitor.reduce((s, r) => s + r.voluntary, 0)).toBe(t.voluntary);
      expect(byCompetitor.reduce((s, r) => s + r.involuntary, 0)).toBe(t.involuntary);
      expect(groups.rows.filter((r) => r.month === t.month && r.churn_type === 'voluntary').reduce((s, r) => s + r.count, 0)).toBe(t.voluntary);
      expect(check.rows[i]).toMatchObject({ month: t.month, opening: t.opening, exits: t.voluntary + t.involuntary, revenue_lost: t.revenue_lost });
      expect(cents(check.rows[i]?.revenue_lost_serious ?? '0')).toBeLessThanOrEqual(cents(t.revenue_lost));
    }
  });

  it('give the same numbers from the derived tables as inline', async () => {
    const inline = { basis: { kind: 'inline' } } as const;
    const table = { basis: { kind: 'table' } } as const;
    const range = { from: '2022-01', to: '2024-12' };
    await store.transaction((tx) => refreshChurnBasis(store, tx));
    expect(await churnTotals(store, range, table)).toEqual(await churnTotals(store, range, inline));
    expect(await churnReasons(store, range, table)).toEqual(await churnReasons(store, range, inline));
    for (const level of REGION_LEVELS) {
      expect(await churnRegions(store, { ...range, level }, table)).toEqual(await churnRegions(store, { ...range, level }, inline));
    }
    expect(await churnCompetitors(store, range, table)).toEqual(await churnCompetitors(store, range, inline));
    expect(await churnReasonGroups(store, range, table)).toEqual(await churnReasonGroups(store, range, inline));
    expect(await churnCheck(store, range, table)).toEqual(await churnCheck(store, range, inline));
  });
});
