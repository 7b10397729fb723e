import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCaptured as run } from '../test-support.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';

/**
 * The writers and the read-only builds of the derived tables on PostgreSQL (issue 14.2): the
 * copy leaves the derived tables to the target, which builds its own; `lifecycle refresh` writes
 * the kept stages on the server store; read commands for months nobody kept build them in the
 * session's temporary shadows (app/kept-tables.ts); every one prints what DuckDB prints.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-store-derived-'));
const duck = join(dir, 'demo.duckdb');
const drops: (() => Promise<void>)[] = [];
let url = '';

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

async function pgCount(sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0]?.n);
  } finally {
    await c.end();
  }
}

describe.skipIf(problem !== undefined && !IN_CI)(`derived tables on --db postgres://${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    const data = join(dir, 'data');
    expect((await run(['demo', '--out', data, '--customers', '400', '--months', '15', '--seed', '9'])).code).toBe(0);
    expect((await run(['import', data, '--db', duck, '--json'])).code).toBe(0);
    const db = await freshDatabase();
    drops.push(db.drop);
    url = db.url;
    const copied = await run(['store', 'copy', '--db', duck, '--into', url, '--json']);
    expect(copied.code, copied.err).toBe(0);
    const report = JSON.parse(copied.out) as { tables: { table: string }[] };
    expect(report.tables.map((t) => t.table)).not.toContain('lifecycle_stage_history');
  }, 240_000);

  it('the target built its own derived tables after the copy', async () => {
    expect(await pgCount('SELECT count(*) AS n FROM report_derived_state')).toBe(1);
    expect(await pgCount('SELECT count(DISTINCT as_of) AS n FROM lifecycle_stage_runs')).toBe(2);
    expect(await pgCount('SELECT count(*) AS n FROM value_snapshot_runs')).toBe(1);
    expect(await pgCount('SELECT count(*) AS n FROM lifecycle_stage_history')).toBeGreaterThan(0);
  });

  const same = [
    'lifecycle --as-of 2025-03',
    'value --as-of 2025-02',
    'lifecycle transitions --from 2025-01 --to 2025-04',
    'segments --as-of 2025-05 --months 2',
    'customer C0000007',
  ];
  it.each(same)('tenure %s, built read-only in temporary tables: the same JSON from both stores, and nothing written', async (command) => {
    const before = await pgCount('SELECT (SELECT count(*) FROM lifecycle_stage_history) + (SELECT count(*) FROM value_snapshot) AS n');
    const args = command.split(' ');
    const a = await run([...args, '--db', duck, '--json']);
    const b = await run([...args, '--db', url, '--json']);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toBe(a.out);
    expect(await pgCount('SELECT (SELECT count(*) FROM lifecycle_stage_history) + (SELECT count(*) FROM value_snapshot) AS n')).toBe(before);
  }, 120_000);

  it('lifecycle refresh writes the kept stages on both stores alike; the reads after it are the same', async () => {
    const args = ['lifecycle', 'refresh', '--from', '2025-06', '--to', '2025-09'];
    const a = await run([...args, '--db', duck, '--json']);
    const b = await run([...args, '--db', url, '--json']);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    const strip = (out: string) => JSON.stringify({ ...(JSON.parse(out) as Record<string, unknown>), seconds: 0 });
    expect(strip(b.out)).toBe(strip(a.out));
    expect(await pgCount("SELECT count(*) AS n FROM lifecycle_stage_runs WHERE as_of BETWEEN DATE '2025-06-01' AND DATE '2025-09-01'")).toBe(4);
    const t = ['lifecycle', 'patterns', '--from', '2025-06', '--to', '2025-09', '--json'];
    const ta = await run([...t, '--db', duck]);
    const tb = await run([...t, '--db', url]);
    expect(tb.out).toBe(ta.out);
    expect(ta.out.length).toBeGreaterThan(100);
  }, 120_000);
});
