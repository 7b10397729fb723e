import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.ts';
import { runCaptured } from '../test-support.ts';

const run = runCaptured;

afterEach(() => {
  process.exitCode = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'tenure-churn-index-'));
const DECK = [
  'scope,reason,rating,importance,availability',
  'all,price,10,3,1',
  'all,quality,10,6,3',
  'all,coverage,1,8,7',
  'all,customer_service,10,4,9',
  'all,image,10,1,4',
  'all,new_technology,10,7,3',
  '甘肃,price,4,9,8',
].join('\n');

interface Out {
  scopes: { scope: string; index: number; reasons: { reason: string; pressure: number }[] }[];
  changes?: { scope: string; change: number }[];
}

describe('tenure churn-index', () => {
  it('computes the deck example from a surveys file', async () => {
    const file = join(dir, 'surveys.csv');
    writeFileSync(file, DECK);
    const { code, out } = await run(['churn-index', '--surveys', file, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Out;
    // all: 8·0.504/29·100 = 13.9034; 甘肃: one reason, pressure (10−4)·9·8/1000 = 0.432 → index 43.2
    expect(j.scopes.map((s) => [s.scope, s.index])).toEqual([
      ['all', 13.9034],
      ['甘肃', 43.2],
    ]);
    expect(j.scopes[0]?.reasons[0]).toMatchObject({ reason: 'coverage', pressure: 0.504 });
  });

  it('reads gzip and reports the change since a previous survey', async () => {
    const now = join(dir, 'now.csv.gz');
    const before = join(dir, 'before.csv');
    writeFileSync(now, gzipSync(DECK.replace('all,coverage,1,8,7', 'all,coverage,6,8,7')));
    writeFileSync(before, DECK);
    const { code, out } = await run(['churn-index', '--surveys', now, '--previous', before, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Out;
    expect(j.changes?.[0]?.change).toBeCloseTo(-224 / 29, 4);
  });

  it('reports bad rows with file, line and column, computes the rest, exits 1', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, DECK + '\nall,billing,ten,3,3\n');
    const { code, out, err } = await run(['churn-index', '--surveys', file, '--json']);
    expect(code).toBe(1);
    expect(err).toContain(`${file}:9:rating`);
    expect((JSON.parse(out) as Out).scopes[0]?.index).toBe(13.9034);
  });

  it('fails with exit 2 on a schema error or a missing file', async () => {
    const file = join(dir, 'schema.csv');
    writeFileSync(file, 'scope,reason,score\nall,price,3\n');
    const schema = await run(['churn-index', '--surveys', file]);
    expect(schema.code).toBe(2);
    expect(schema.err).toMatch(/unknown column "score"/);
    const missing = await run(['churn-index', '--surveys', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    const noStore = await run(['churn-index', '--db', join(dir, 'none.duckdb')]);
    expect(noStore.code).toBe(2);
    expect(noStore.err).toMatch(/no store/);
  });

  it('reads the store\'s surveys table without --surveys', async () => {
    const db = join(dir, 'store.duckdb');
    const store = await openStore(db, { access: 'read-write', create: true });
    await store.run(
      "INSERT INTO surveys (scope, reason, rating, importance, availability) VALUES ('all', 'coverage', 1, 8, 7), ('all', 'price', 10, 10, 1), ('all', 'quality', 10, 10, 5), ('all', 'image', 10, 1, 5)",
    );
    await store.close();
    const { code, out } = await run(['churn-index', '--db', db, '--json']);
    expect(code).toBe(0);
    // Σ importance 29 as in the deck: 8·0.504/29·100 = 13.9034
    expect((JSON.parse(out) as Out).scopes[0]?.index).toBe(13.9034);
  });
});
