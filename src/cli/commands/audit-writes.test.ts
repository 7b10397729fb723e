import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDirs } from '../../app/import/test-fixture.ts';
import { customerId, makeWarnStore } from '../../app/warn/test-fixture.ts';
import { cliActor } from '../../app/auth/cli-actor.ts';
import { runCaptured } from '../test-support.ts';

/**
 * The CLI writes audit rows for the changes the API's audit trail covers: campaign designs and
 * ledger postings (points post, expire, earn), as `cli:<os user>`, chained like the server's.
 */
const { fresh } = freshDirs('tenure-audit-writes-');
let dir = '';
let db = '';

beforeAll(async () => {
  dir = fresh('cli');
  db = (await makeWarnStore(dir)).db;
}, 120_000);
afterEach(() => {
  process.exitCode = undefined;
});

interface Row {
  seq: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  source: string;
  detail: string | null;
}
const trail = async (): Promise<Row[]> => {
  const r = await runCaptured(['audit', '--db', db, '--json']);
  expect(r.code, r.err).toBe(0);
  const parsed = JSON.parse(r.out) as Row[] | { rows: Row[] };
  return Array.isArray(parsed) ? parsed : parsed.rows;
};

describe('CLI audit rows', () => {
  it('campaign design, points post, expire and earn are audited as the OS user; the chain verifies; a failed design adds nothing', async () => {
    const targets = join(dir, 'targets.csv');
    writeFileSync(targets, ['customer_id', ...Array.from({ length: 60 }, (_, i) => customerId(i + 20))].join('\n') + '\n');
    const design = await runCaptured(['campaign', 'design', '--db', db, '--id', 'AUD1', '--start', '2024-07-01', '--target', targets, '--arms', 'control:0.5,O10:0.5', '--seed', '3']);
    expect(design.code, design.err).toBe(0);
    // The same id again is refused: nothing is kept, nothing audited.
    expect((await runCaptured(['campaign', 'design', '--db', db, '--id', 'AUD1', '--start', '2024-07-01', '--target', targets, '--arms', 'control:0.5,O10:0.5'])).code).not.toBe(0);
    const file = join(dir, 'points.csv');
    writeFileSync(file, `transaction_id,customer_id,ts,kind,points,reason\nA1,${customerId(20)},2024-01-05 10:00,earn,100,welcome\nA2,${customerId(20)},2024-01-06 10:00,adjust,-30,goodwill correction\n`);
    const posted = await runCaptured(['points', 'post', file, '--db', db, '--json']);
    expect(posted.code, posted.err).toBe(0);
    expect((await runCaptured(['points', 'expire', '--db', db, '--as-of', '2024-06-30', '--json'])).code).toBe(0);
    expect((await runCaptured(['points', 'earn', '--db', db, '--month', '2024-06', '--json'])).code).toBe(0);
    const rows = await trail();
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.source])).toEqual([
      ['campaign_design', 'AUD1', 'ok', 'cli'],
      ['points_post', 'points.csv', 'ok', 'cli'],
      ['points_expire', '2024-06-30', 'ok', 'cli'],
      ['points_earn', '2024-06', 'ok', 'cli'],
    ]);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set([cliActor()]));
    expect(cliActor()).toMatch(/^cli:/);
    expect(JSON.parse(rows[0]?.detail ?? '{}')).toMatchObject({ seed: 3, targets: 60, arms: 'control:0.5,O10:0.5' });
    expect(JSON.parse(rows[1]?.detail ?? '{}')).toMatchObject({ read: 2, accepted: 2, inserted: 2 });
    const verify = await runCaptured(['audit', '--verify', '--db', db, '--json']);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true, rows: 4 });
  }, 120_000);
});
