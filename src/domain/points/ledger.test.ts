import { describe, expect, it } from 'vitest';
import { seeded } from '../test-random.ts';
import { availableAt, expiryDate, InsufficientPoints, normaliseTs, post, type Allocation, type Lot, type NewEntry, type Posting } from './ledger.ts';
import { DEFAULT_POINTS_RULES, parsePointsRules } from './rules.ts';

const ts = (t: string) => normaliseTs(t);

function posting(customerId: string, t: string, points: number, kind: Posting['kind'] = points > 0 ? 'earn' : 'redeem', months = 12): Posting {
  const at = ts(t);
  return { customerId, ts: at, points, kind, expiresOn: expiryDate(at.slice(0, 10), months), source: 'import', sourceRef: 'f:1', transactionId: null, reason: null };
}

function ledger() {
  const lots = new Map<string, Lot[]>();
  let id = 1;
  const entries: NewEntry[] = [];
  const allocations: Allocation[] = [];
  const lotsOf = (c: string) => {
    let l = lots.get(c);
    if (!l) lots.set(c, (l = []));
    return l;
  };
  return {
    lots,
    entries,
    allocations,
    lotsOf,
    post(p: Posting) {
      const out = post(lotsOf, p, () => id++);
      entries.push(...out.entries);
      allocations.push(...out.allocations);
      return out;
    },
  };
}

describe('expiryDate', () => {
  it('adds whole months and clamps the day to the month end', () => {
    expect(expiryDate('2024-03-15', 24)).toBe('2026-03-15');
    expect(expiryDate('2024-01-31', 1)).toBe('2024-02-29');
    expect(expiryDate('2023-01-31', 1)).toBe('2023-02-28');
    expect(expiryDate('2024-02-29', 12)).toBe('2025-02-28');
    expect(expiryDate('2024-11-30', 3)).toBe('2025-02-28');
    expect(expiryDate('2024-12-31', 12)).toBe('2025-12-31');
  });
});

describe('normaliseTs', () => {
  it('gives fixed-width text whatever contract form the time had', () => {
    expect(normaliseTs('2024-03-01T23:59')).toBe('2024-03-01 23:59:00.000000');
    expect(normaliseTs('2024-03-01 23:59:59.5')).toBe('2024-03-01 23:59:59.500000');
    expect(normaliseTs('2024-03-01 00:00:00')).toBe('2024-03-01 00:00:00.000000');
  });
});

describe('post', () => {
  it('redeems first in, first out: the oldest earn date first (known answer)', () => {
    const l = ledger();
    l.post(posting('A', '2024-02-01 10:00', 50)); // lot 1
    l.post(posting('A', '2024-01-01 10:00', 30)); // lot 2, older although posted later
    l.post(posting('A', '2024-03-01 10:00', 40)); // lot 3
    const out = l.post(posting('A', '2024-03-02 10:00', -60));
    expect(out.allocations).toEqual([
      { debitEntryId: 4, lotEntryId: 2, points: 30 },
      { debitEntryId: 4, lotEntryId: 1, points: 30 },
    ]);
    expect(l.lotsOf('A').map((x) => x.remaining)).toEqual([20, 0, 40]);
  });

  it('rejects a redeem larger than the balance at its ts, naming the reason, and changes nothing', () => {
    const l = ledger();
    l.post(posting('A', '2024-01-01 10:00', 100));
    l.post(posting('A', '2024-06-01 10:00', 500));
    // At 2024-03-01 only the first lot exists: 100 available, not 600.
    expect(() => l.post(posting('A', '2024-03-01 10:00', -150))).toThrow(/^insufficient_points: 150 points wanted, 100 available at 2024-03-01 10:00:00/);
    expect(l.lotsOf('A').map((x) => x.remaining)).toEqual([100, 500]);
    expect(l.entries).toHaveLength(2);
    expect(l.post(posting('A', '2024-03-01 10:00', -100)).allocations).toEqual([{ debitEntryId: 4, lotEntryId: 1, points: 100 }]);
  });

  it('does not redeem points on or after their expiry day (boundary day: gone from 00:00 of it)', () => {
    const l = ledger();
    l.post(posting('A', '2024-01-15 09:00', 100, 'earn', 12)); // expires 2025-01-15
    expect(availableAt(l.lotsOf('A'), ts('2025-01-14 23:59:59.999999'))).toBe(100);
    expect(availableAt(l.lotsOf('A'), ts('2025-01-15 00:00'))).toBe(0);
    expect(() => l.post(posting('A', '2025-01-15 00:00', -1))).toThrow(InsufficientPoints);
    expect(l.post(posting('A', '2025-01-14 23:59', -100)).entries[0]?.points).toBe(-100);
  });

  it('a replacement is all or nothing: the reversal is undone when the new posting is refused', () => {
    const l = ledger();
    l.post(posting('A', '2024-01-01 10:00', 100));
    const redeem = l.post(posting('A', '2024-02-01 10:00', -80));
    const old = { entryId: redeem.entries[0]?.entryId ?? 0, customerId: 'A', ts: ts('2024-02-01 10:00'), points: -80, allocations: [{ lotEntryId: 1, points: 80 }] };
    expect(() => post(l.lotsOf, posting('A', '2024-02-01 10:00', -150), () => 99, old)).toThrow(InsufficientPoints);
    expect(l.lotsOf('A')[0]?.remaining).toBe(20);
    const ok = post(l.lotsOf, posting('A', '2024-02-01 10:00', -90), () => 100, old);
    expect(ok.entries.map((e) => [e.kind, e.points])).toEqual([['reversal', 80], ['redeem', -90]]);
    expect(l.lotsOf('A')[0]?.remaining).toBe(10);
  });

  it('replacing a credit takes its own lot back first, and refuses when its points were spent', () => {
    const l = ledger();
    l.post(posting('A', '2024-01-01 10:00', 100)); // 1
    l.post(posting('A', '2024-02-01 10:00', 50)); // 2
    l.post(posting('A', '2024-03-01 10:00', -120)); // takes 100 of 1, 20 of 2
    const old = { entryId: 2, customerId: 'A', ts: ts('2024-02-01 10:00'), points: 50, allocations: [] };
    expect(() => post(l.lotsOf, posting('A', '2024-02-01 10:00', 70), () => 50, old)).toThrow(/30 available/);
    expect(l.lotsOf('A').map((x) => x.remaining)).toEqual([0, 30]);
  });
});

/**
 * Property: random earns, redeems and adjustments over a few customers, posted in random time
 * order. After every posting the balance (Σ entries) equals Σ remaining of the lots, no lot is
 * negative, the running balance Σ entries with ts ≤ t is never negative at any t, a refused
 * debit is exactly one larger than what was live, and each debit emptied every live lot older
 * than the newest lot it took from (FIFO).
 */
describe('ledger properties (seeded)', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: balance = Σ entries = Σ lots, never negative, FIFO', (seed) => {
    const rnd = seeded(seed);
    const l = ledger();
    const customers = ['A', 'B', 'C'];
    let refused = 0;
    for (let step = 0; step < 300; step++) {
      const c = customers[Math.floor(rnd() * customers.length)] as string;
      const day = 1 + Math.floor(rnd() * 700);
      const d = new Date(Date.UTC(2024, 0, day, Math.floor(rnd() * 24), Math.floor(rnd() * 60)));
      const t = d.toISOString().slice(0, 16).replace('T', ' ');
      const r = rnd();
      const points = 1 + Math.floor(rnd() * 200);
      const p = r < 0.45 ? posting(c, t, points, 'earn', 6) : r < 0.85 ? posting(c, t, -points, 'redeem', 6) : posting(c, t, rnd() < 0.5 ? points : -points, 'adjust', 6);
      const before = l.lotsOf(c).map((x) => ({ ...x }));
      const live = availableAt(before, p.ts);
      try {
        const out = l.post(p);
        if (p.points < 0) {
          expect(live).toBeGreaterThanOrEqual(-p.points);
          const taken = new Set(out.allocations.map((a) => a.lotEntryId));
          const newest = before.filter((x) => taken.has(x.entryId)).reduce((m, x) => (x.ts > m ? x.ts : m), '');
          const after = new Map(l.lotsOf(c).map((x) => [x.entryId, x.remaining]));
          for (const lot of before) {
            const isLive = lot.remaining > 0 && lot.ts <= p.ts && lot.expiresOn > p.ts.slice(0, 10);
            if (isLive && lot.ts < newest) expect(after.get(lot.entryId)).toBe(0);
          }
        }
      } catch (err) {
        expect(err).toBeInstanceOf(InsufficientPoints);
        expect(live).toBeLessThan(-p.points);
        expect(l.lotsOf(c)).toEqual(before);
        refused++;
      }
      const mine = l.entries.filter((e) => e.customerId === c);
      const balance = mine.reduce((n, e) => n + e.points, 0);
      expect(balance).toBe(l.lotsOf(c).reduce((n, x) => n + x.remaining, 0));
      expect(l.lotsOf(c).every((x) => x.remaining >= 0)).toBe(true);
      const sorted = [...mine].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
      let running = 0;
      for (let i = 0; i < sorted.length; i++) {
        running += sorted[i]?.points ?? 0;
        if (i + 1 === sorted.length || sorted[i + 1]?.ts !== sorted[i]?.ts) expect(running).toBeGreaterThanOrEqual(0);
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('points rules', () => {
  it('accepts the defaults written as JSON and refuses a bad file with the path', () => {
    expect(parsePointsRules(JSON.stringify(DEFAULT_POINTS_RULES)).rules).toEqual(DEFAULT_POINTS_RULES);
    const bad = parsePointsRules(JSON.stringify({ ...DEFAULT_POINTS_RULES, expiry_months: 0 }));
    expect(bad.rules).toBeNull();
    expect(bad.errors.join()).toMatch(/expiry_months/);
    const dup = parsePointsRules(JSON.stringify({ ...DEFAULT_POINTS_RULES, rules: [DEFAULT_POINTS_RULES.rules[0], DEFAULT_POINTS_RULES.rules[0]] }));
    expect(dup.errors).toEqual(['rules: the id billed is used twice']);
    expect(parsePointsRules('{').errors[0]).toMatch(/not valid JSON/);
  });
});
