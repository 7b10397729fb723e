/**
 * Issue 19 item 1: a month outside the data is an error (exit 2) naming the data's span, on
 * every command that takes a month; partial history is said. One demo operator, imported once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataSpan, type DataSpan } from '../app/data-span.ts';
import { HISTORY_TABLE } from '../app/lifecycle/history-store.ts';
import { addMonths } from '../domain/month.ts';
import { DuckDBStore } from '../store/duckdb/duckdb-store.ts';
import { buildProgram } from './main.ts';
import { runCaptured } from './test-support.ts';

const run = runCaptured;
const dir = mkdtempSync(join(tmpdir(), 'tenure-months-'));
const db = join(dir, 'demo.duckdb');
let span: DataSpan;
let customerId = '';

async function counts(): Promise<{ scores: number; staged: number; models: number }> {
  const store = await DuckDBStore.open(db);
  try {
    const n = async (sql: string) => Number((await store.query<{ n: number | bigint }>(sql))[0]?.n ?? 0);
    const staged = (await n(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = '${HISTORY_TABLE}'`)) > 0 ? await n(`SELECT count(*) AS n FROM ${HISTORY_TABLE}`) : 0;
    return { scores: await n('SELECT count(*) AS n FROM churn_scores'), staged, models: await n('SELECT count(*) AS n FROM churn_models') };
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  const data = join(dir, 'data');
  expect((await run(['demo', '--out', data, '--customers', '1500', '--months', '24', '--seed', '7', '--end-month', '2025-12'])).code).toBe(0);
  expect((await run(['import', data, '--db', db, '--json'])).code).toBe(0);
  const trained = await run(['model', 'train', '--db', db]);
  expect(trained.code, trained.err).toBe(0);
  const store = await DuckDBStore.open(db);
  try {
    span = await dataSpan(store);
    customerId = String((await store.query<{ id: string }>('SELECT min(customer_id) AS id FROM customers'))[0]?.id);
  } finally {
    await store.close();
  }
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

/** Every command of the program, with its path (`lifecycle refresh`). */
function commandsOf(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [{ path: [...path, c.name()], cmd: c }, ...commandsOf(c, [...path, c.name()])]);
}

/**
 * A month flag: its value is a month (`<month>`, `<YYYY-MM>`) or its name says so. A `<date>`
 * flag is a day, not a month: `care --from/--to` plan days after the data on purpose.
 */
const isMonthOption = (o: Option): boolean => !/<date>/i.test(o.flags) && (/<(month|YYYY-MM)>/i.test(o.flags) || ['--as-of', '--from', '--to'].includes(o.long ?? ''));

/** `demo --end-month` makes data rather than reading a store; nothing to check it against. A `<date>` flag (points --as-of) is a day, not a month. */
const NOT_STORE_MONTHS = new Set(['demo --end-month']);

/** Values for required arguments, per command; a new command with one must add it here. */
const ARGUMENTS: Record<string, () => string[]> = { customer: () => [customerId], nba: () => [customerId], 'nba record': () => [customerId] };

describe('months outside the data', () => {
  it('every command that takes a month refuses one before and one after the data, and a malformed one, with exit 2 naming the span', async () => {
    const sites = commandsOf(await buildProgram()).flatMap(({ path, cmd }) =>
      cmd.options.filter(isMonthOption).map((o) => ({ path, cmd, flag: o.long as string })),
    );
    const names = sites.map((s) => `${s.path.join(' ')} ${s.flag}`);
    // The walk must find the known month flags, so a broken walk cannot pass by finding none.
    for (const known of ['lifecycle --as-of', 'lifecycle refresh --to', 'report churn-totals --from', 'report churn-regions --to', 'report churn-competitors --from', 'report churn-reason-groups --to', 'report churn-check --from', 'score --as-of', 'model train --as-of', 'customer --as-of', 'value --as-of', 'segments --as-of', 'warn --as-of', 'report complaints --from', 'report complaints --to', 'report service-quality --from', 'report service-quality --to', 'relationship --as-of']) {
      expect(names).toContain(known);
    }
    const span_ = `the data covers ${span.first}..${span.last}`;
    const checked: string[] = [];
    for (const site of sites) {
      const name = `${site.path.join(' ')} ${site.flag}`;
      if (NOT_STORE_MONTHS.has(name)) continue;
      const required = site.cmd.registeredArguments.filter((a) => a.required);
      const args = required.length > 0 ? ARGUMENTS[site.path.join(' ')] : () => [];
      expect(args, `${name}: give its required arguments in ARGUMENTS`).toBeDefined();
      for (const [month, words] of [
        [addMonths(span.last, 3), `is after the data's last month ${span.last}; ${span_}`],
        [addMonths(span.first, -13), `is before the data's first month ${span.first}; ${span_}`],
        ['9999-12', `is after the data's last month ${span.last}`],
      ] as const) {
        const r = await run([...site.path, ...(args as () => string[])(), site.flag, month, '--db', db, '--json']);
        expect(r.code, `${name} ${month}: ${r.err}`).toBe(2);
        expect(r.err, name).toContain(`${site.flag} ${month} ${words}`);
        expect(r.out, name).toBe('');
      }
      const malformed = await run([...site.path, ...(args as () => string[])(), site.flag, '2025-13', '--db', db]);
      expect(malformed.code, name).toBe(2);
      expect(malformed.err, name).toMatch(/must be a month written YYYY-MM/);
      checked.push(name);
    }
    expect(checked.length).toBeGreaterThanOrEqual(12);
  }, 300_000);

  it('lifecycle --as-of after the data exits 2 naming the span (it put 98.7 % of the base in D)', async () => {
    const r = await run(['lifecycle', '--as-of', addMonths(span.last, 3), '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--as-of ${addMonths(span.last, 3)} is after the data's last month ${span.last}; the data covers ${span.first}..${span.last}`);
    expect((await run(['lifecycle', '--as-of', span.last, '--db', db, '--json'])).code).toBe(0);
  });

  it('value --as-of after the data exits 2 naming the span (it put everyone in quadrant I)', async () => {
    const r = await run(['value', '--as-of', addMonths(span.last, 5), '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`is after the data's last month ${span.last}`);
  });

  it('customer --as-of after the data exits 2 naming the span (it said D, rule D-dormant)', async () => {
    const r = await run(['customer', customerId, '--as-of', addMonths(span.last, 3), '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`is after the data's last month ${span.last}; the data covers ${span.first}..${span.last}`);
  });

  it('score --as-of before the data scores and stores nothing (it scored and stored 13,145 customers)', async () => {
    const before = await counts();
    const r = await run(['score', '--as-of', addMonths(span.first, -23), '--db', db, '--format', 'csv']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`is before the data's first month ${span.first}`);
    expect(await counts()).toEqual(before);
  });

  it('lifecycle refresh --to after the data exits 2 and stages nothing (it was accepted)', async () => {
    const before = await counts();
    const r = await run(['lifecycle', 'refresh', '--to', addMonths(span.last, 2), '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--to ${addMonths(span.last, 2)} is after the data's last month ${span.last}`);
    expect(await counts()).toEqual(before);
  });

  it('model train --as-of whose horizon runs past the data cannot be trained, and says the latest month that can', async () => {
    const before = await counts();
    const r = await run(['model', 'train', '--as-of', addMonths(span.last, -1), '--horizon', '3', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`its 3-month horizon (to ${addMonths(span.last, 2)}) runs past the data's last month ${span.last}`);
    expect(r.err).toContain(`the latest month a 3-month model can be trained as of is ${addMonths(span.last, -3)}`);
    expect(await counts()).toEqual(before);
  });

  it('bounds silly ranges by the same check (0001-01..9999-12 returned 119,989 rows)', async () => {
    const r = await run(['report', 'churn-regions', '--from', '0001-01', '--to', '9999-12', '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--from 0001-01 is before the data's first month ${span.first}`);
  });
});

describe('partial coverage', () => {
  it('lifecycle in the data\'s first months says its stage read less than a year of bills, on stderr and in JSON', async () => {
    const month = addMonths(span.first, 2);
    const r = await run(['lifecycle', '--as-of', month, '--db', db, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`partial coverage: stage for ${month}: the stage features read 12 months of bills`);
    const j = JSON.parse(r.out) as { partial_coverage: { figure: string; months: string[]; needs_months: number }[] };
    expect(j.partial_coverage).toEqual([expect.objectContaining({ figure: 'stage', months: [month], needs_months: 12 })]);
    const full = JSON.parse((await run(['lifecycle', '--as-of', span.last, '--db', db, '--json'])).out) as { partial_coverage: unknown[] };
    expect(full.partial_coverage).toEqual([]);
  });

  it('lifecycle transitions at the data\'s first month start there (the default range is moved up, not an error)', async () => {
    const r = await run(['lifecycle', 'transitions', '--to', span.first, '--db', db, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { from: string; to: string; partial_coverage: { months: string[] }[] };
    expect([j.from, j.to]).toEqual([span.first, span.first]);
    expect(j.partial_coverage[0]?.months).toEqual([span.first]);
  });

  it('score in the data\'s first months says its features read fewer than 6 months of bills', async () => {
    const month = addMonths(span.first, 3);
    const r = await run(['score', '--as-of', month, '--db', db, '--top', '1', '--format', 'csv']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`partial coverage: features for ${month}: the churn model's features read 6 months of bills`);
  });

  it('segments --months reaching before the data is an error; the default is shortened to the data', async () => {
    const explicit = await run(['segments', '--as-of', addMonths(span.first, 1), '--months', '3', '--db', db, '--json']);
    expect(explicit.code).toBe(2);
    expect(explicit.err).toContain(`--months 3 up to ${addMonths(span.first, 1)} starts ${addMonths(span.first, -1)}, before the data's first month ${span.first}`);
    const dflt = await run(['segments', '--as-of', addMonths(span.first, 1), '--db', db, '--json']);
    expect(dflt.code, dflt.err).toBe(0);
    expect((JSON.parse(dflt.out) as { from: string }).from).toBe(span.first);
  });
});
