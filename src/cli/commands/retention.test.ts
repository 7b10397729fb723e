import { afterEach, describe, expect, it } from 'vitest';
import { runCaptured } from '../test-support.ts';

const run = runCaptured;

afterEach(() => {
  process.exitCode = undefined;
});

describe('tenure retention fit', () => {
  it('prints the published High End fit as JSON', async () => {
    const { code, out } = await run(['retention', 'fit', '--counts', '1000,869,743,653,593,551,517,491', '--periods', '10', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { alpha: number; beta: number; survival: number[]; retention: number[]; expected_lifetime: number; mean_lifetime: null };
    expect(j.alpha.toFixed(3)).toBe('0.668');
    expect(j.beta.toFixed(3)).toBe('3.806');
    expect(j.survival).toHaveLength(10);
    expect(j.retention).toHaveLength(10);
    // S(1) = β/(α+β) = 3.806/4.474 ≈ 0.8507 with the published parameters.
    expect(j.survival[0]).toBeCloseTo(0.8507, 3);
    expect(j.mean_lifetime).toBeNull();
    // Restricted to 120 months it must lie between 1 and 120 and above the 7 observed periods' area.
    expect(j.expected_lifetime).toBeGreaterThan(7 * 0.49);
    expect(j.expected_lifetime).toBeLessThan(120);
  });

  it('prints the Regular fit', async () => {
    const { code, out } = await run(['retention', 'fit', '--counts', '1000, 631, 468, 382, 326, 289, 262, 241', '--format', 'json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { alpha: number; beta: number; survival: number[] };
    expect([j.alpha.toFixed(3), j.beta.toFixed(3)]).toEqual(['0.704', '1.182']);
    expect(j.survival).toHaveLength(12);
  });

  it.each([
    [['--counts', '1000,abc,700'], /not a non-negative number/],
    [['--counts', '1000,900,950'], /must not increase/],
    [['--counts', '1000'], /at least 2/],
    [['--counts', '1000,900', '--periods', '0'], /--periods/],
    [['--cohort', 'join-month', '--db', '/nonexistent/tenure-test.duckdb'], /no store at/],
    [[], /--counts/],
  ])('usage error %j exits 2 with a clear message', async (args, message) => {
    const { code, err } = await run(['retention', 'fit', ...args]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('regression 19.8: a fit at the search bound is reported as not estimable (exit 1), never as α and β', async () => {
    // Exactly geometric counts (10 % churn every month): α and β grow without end together.
    const { code, out, err } = await run(['retention', 'fit', '--counts', '1000,900,810,729,656,590,531', '--json']);
    expect(code).toBe(1);
    const j = JSON.parse(out) as { status: string; reason: string; alpha: null; beta: null; survival: number[]; expected_lifetime: null };
    expect(j.status).toBe('not_estimable');
    expect(j.reason).toMatch(/search bound/);
    expect([j.alpha, j.beta, j.expected_lifetime]).toEqual([null, null, null]);
    expect(j.survival).toEqual([]);
    expect(err).toMatch(/not estimable/);
    const table = await run(['retention', 'fit', '--counts', '1000,900,810,729,656,590,531', '--format', 'table']);
    expect(table.code).toBe(1);
    expect(table.out).toMatch(/not estimable/);
    expect(table.out).not.toMatch(/alpha=/);
  });

  it('prints a CSV table of the projection', async () => {
    const { code, out } = await run(['retention', 'fit', '--counts', '1000,631,468', '--periods', '3', '--format', 'csv']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('period,survival,retention,expected_alive,observed_alive');
    expect(lines).toHaveLength(4);
  });
});
