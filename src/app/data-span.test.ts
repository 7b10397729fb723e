import { describe, expect, it } from 'vitest';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills } from './lifecycle/test-store.ts';
import { dataSpan, partialHistory, requireInSpan, resolveMonth, resolveMonthRange, type DataSpan } from './data-span.ts';

const span: DataSpan = { first: '2024-12', last: '2026-11', hasScores: false };

describe("the data's span", () => {
  it('is the first to the last billed month; joins and churns outside the bills do not widen it', async () => {
    const store = await memoryStore();
    try {
      await addCustomers(store, [{ id: 'a', joined: '2019-03-01' }, { id: 'b', joined: '2027-01-02' }]);
      await addBills(store, monthlyBills('a', '2024-12', '2026-11', 50));
      await addExits(store, [['a', '2027-02-03', 'voluntary', '101']]);
      expect(await dataSpan(store)).toEqual({ first: '2024-12', last: '2026-11', hasScores: false });
    } finally {
      await store.close();
    }
  });

  it('falls back to join and churn months when nothing is billed, and is NO_DATA without customers', async () => {
    const store = await memoryStore();
    try {
      await expect(dataSpan(store)).rejects.toMatchObject({ code: 'NO_DATA' });
      await addCustomers(store, [{ id: 'a', joined: '2024-05-10' }, { id: 'b', joined: '2024-07-01' }]);
      await addExits(store, [['a', '2024-09-30', 'involuntary', '335']]);
      expect(await dataSpan(store)).toMatchObject({ first: '2024-05', last: '2024-09' });
    } finally {
      await store.close();
    }
  });

  it('refuses months outside it by name, and malformed months by syntax', () => {
    expect(() => requireInSpan('--as-of', '2027-03', span)).toThrow("--as-of 2027-03 is after the data's last month 2026-11; the data covers 2024-12..2026-11");
    expect(() => requireInSpan('--from', '2024-11', span)).toThrow("--from 2024-11 is before the data's first month 2024-12; the data covers 2024-12..2026-11");
    expect(requireInSpan('--to', '2024-12', span)).toBe('2024-12');
    expect(requireInSpan('--to', '2026-11', span)).toBe('2026-11');
    expect(() => resolveMonth('--as-of', '2026-13', span)).toThrow(/--as-of must be a month written YYYY-MM/);
    expect(() => resolveMonth('--as-of', '2026-1', span)).toThrow(/--as-of must be a month written YYYY-MM/);
    expect(resolveMonth('--as-of', undefined, span)).toBe('2026-11');
  });

  it('checks both ends of a range, moves a default start up to the data and never a given one', () => {
    expect(resolveMonthRange({}, span, () => span.first)).toEqual({ from: '2024-12', to: '2026-11' });
    expect(resolveMonthRange({ to: '2025-01' }, span, () => '2024-02')).toEqual({ from: '2024-12', to: '2025-01' });
    expect(() => resolveMonthRange({ from: '0001-01', to: '9999-12' }, span, () => span.first)).toThrow(/--from 0001-01 is before the data's first month/);
    expect(() => resolveMonthRange({ from: '2025-01', to: '9999-12' }, span, () => span.first)).toThrow(/--to 9999-12 is after the data's last month 2026-11/);
    expect(() => resolveMonthRange({ from: '2026-05', to: '2026-04' }, span, () => span.first)).toThrow('--from 2026-05 is after --to 2026-04');
    // A --from after the data's end with no --to: the span check, not a reversed range.
    expect(() => resolveMonthRange({ from: '2027-01' }, span, () => span.first)).toThrow(/--from 2027-01 is after the data's last month/);
  });

  it('lists the months with less history than a figure needs, counting through the month or before it', () => {
    const months = ['2024-12', '2025-01', '2025-02', '2025-03'];
    expect(partialHistory(span, months, 'revenue_lost', 3, 'before', 'why')).toEqual([
      { figure: 'revenue_lost', months: ['2024-12', '2025-01', '2025-02'], needs_months: 3, reason: 'why; the data starts 2024-12, so 2024-12..2025-02 have fewer' },
    ]);
    expect(partialHistory(span, months, 'features', 3, 'month', 'why')[0]?.months).toEqual(['2024-12', '2025-01']);
    expect(partialHistory(span, ['2025-03'], 'revenue_lost', 3, 'before', 'why')).toEqual([]);
  });
});
