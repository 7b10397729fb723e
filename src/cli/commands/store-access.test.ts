import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/import/import-dataset.ts';
import { refreshStageHistory } from '../../app/lifecycle/transitions.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { runCaptured } from '../test-support.ts';

/**
 * Issue 19, items 4 and 5: read commands open the store read-only and never change it, several
 * processes read one store at once, and a --db naming no file is an error, not a new store.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-store-access-'));
const data = join(dir, 'data');
const db = join(dir, 'plain.duckdb');
const BIN = resolve('bin/tenure.js');

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

beforeAll(async () => {
  expect((await runCaptured(['demo', '--out', data, '--customers', '400', '--months', '18', '--seed', '3'])).code).toBe(0);
  // Loaded only: nothing derived is kept, so every read command must derive what it shows.
  const imported = await runCaptured(['import', data, '--db', db, '--no-prepare', '--json']);
  expect(imported.code, imported.err).toBeLessThan(2);
}, 120_000);

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function someCustomer(): Promise<string> {
  const store = await DuckDBStore.open(db, { access: 'read-only' });
  try {
    const [row] = await store.query<{ id: string }>('SELECT min(customer_id) AS id FROM customers');
    return String(row?.id);
  } finally {
    await store.close();
  }
}

/** Every command that reads the store, with the flags it needs (`--db` is added). */
const READ_COMMANDS: string[][] = [
  ['report', 'churn-totals'],
  ['report', 'churn-reasons'],
  ['report', 'churn-regions'],
  ['report', 'churn-competitors'],
  ['report', 'churn-reason-groups'],
  ['report', 'churn-check'],
  ['report', 'complaints'],
  ['report', 'service-quality'],
  ['relationship'],
  ['lifecycle'],
  ['lifecycle', '--as-of', '2025-06'],
  ['lifecycle', 'transitions'],
  ['lifecycle', 'patterns'],
  ['value'],
  ['segments'],
  ['forecast', 'churn'],
  ['retention', 'fit', '--cohort', 'join-month'],
  ['retention', 'curves'],
  ['churn-index'],
  ['customer', 'CUSTOMER'],
  ['winback'],
  ['warn', 'lists'],
  ['campaign', 'evaluate'],
  ['points', 'balance', 'CUSTOMER'],
  ['points', 'statement', 'CUSTOMER'],
  ['points', 'expiring', '--within-days', '30'],
  ['care'],
  ['nba', 'CUSTOMER', '--date', '2026-01-05'],
  // tenure serve's accounts and audit trail (issue 15).
  ['audit'],
  ['audit', '--verify'],
  ['user', 'list'],
];
/** Read commands that need records the demo does not have (a scoring, a saved list, an uplift model): checked for a mistyped --db only (warn's read-only run: warn.test.ts). */
const READ_COMMANDS_NEEDING_RECORDS: string[][] = [['warn'], ['warn', 'show', 'WL1'], ['uplift', 'evaluate', '--campaign', 'RET-2025-05']];
const WRITE_COMMANDS: string[][] = [['model', 'train'], ['score'], ['lifecycle', 'refresh'], ['uplift', 'train'], ['points', 'expire'], ['nba', 'record', 'CUSTOMER', '--offer', 'R10', '--outcome', 'declined']];

describe('read commands open the store read-only', () => {
  it('read commands also write: lifecycle --as-of and every other read command leave the store file byte for byte as it was', async () => {
    const customer = await someCustomer();
    const before = { hash: hash(db), size: statSync(db).size };
    for (const args of READ_COMMANDS) {
      const r = await runCaptured([...args.map((a) => (a === 'CUSTOMER' ? customer : a)), '--db', db, '--json']);
      // Exit 1 is a completed command that reports a data problem (e.g. a fit that is not estimable).
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBeLessThanOrEqual(1);
      expect(r.out.length, args.join(' ')).toBeGreaterThan(0);
    }
    expect(statSync(db).size).toBe(before.size);
    expect(hash(db)).toBe(before.hash);
    expect(existsSync(`${db}.wal`)).toBe(false);
  }, 300_000);

  it('a use case that writes refuses a read-only store at once, naming why', async () => {
    const store = await DuckDBStore.open(db, { access: 'read-only' });
    try {
      await expect(refreshStageHistory(store)).rejects.toThrow(/lifecycle refresh writes to the store, but .*plain\.duckdb was opened read-only/);
      await expect(importDataset(store, data)).rejects.toMatchObject({ code: 'READ_ONLY' });
    } finally {
      await store.close();
    }
  });

  it('a read command computes the months nobody kept and answers the same as after a writer kept them', async () => {
    const copy = join(dir, 'kept.duckdb');
    copyFileSync(db, copy);
    const read = await runCaptured(['lifecycle', 'transitions', '--db', copy, '--json']);
    const refreshed = await runCaptured(['lifecycle', 'refresh', '--db', copy, '--json']);
    expect(refreshed.code, refreshed.err).toBe(0);
    const kept = await runCaptured(['lifecycle', 'transitions', '--db', copy, '--json']);
    expect(read.code).toBe(0);
    expect(kept.out).toBe(read.out);
  }, 120_000);
});

describe('a mistyped --db', () => {
  it.each([...READ_COMMANDS, ...READ_COMMANDS_NEEDING_RECORDS, ...WRITE_COMMANDS].map((args) => [args.join(' '), args] as const))(
    'a mistyped --db creates an empty store: %s exits 2 naming the path, and creates nothing',
    async (_name, args) => {
      const missing = join(dir, 'tenure.duckbd');
      const r = await runCaptured([...args.map((a) => (a === 'CUSTOMER' ? 'C1' : a)), '--db', missing]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no store at .*tenure\.duckbd/);
      expect(r.err).toMatch(/tenure import/);
      expect(existsSync(missing)).toBe(false);
    },
  );

  it('engine limits are global flags: a bad --memory-limit is a usage error before the store is touched', async () => {
    const bad = await runCaptured(['report', 'churn-totals', '--db', db, '--memory-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--memory-limit \/ TENURE_MEMORY_LIMIT must be a size such as 4GB/);
    const ok = await runCaptured(['--threads', '1', 'report', 'churn-totals', '--db', db, '--memory-limit', '512MB', '--format', 'csv']);
    expect(ok.code, ok.err).toBe(0);
  });

  it('import still creates the store it is pointed at', async () => {
    const created = join(dir, 'new.duckdb');
    const r = await runCaptured(['import', data, '--db', created, '--no-prepare', '--json']);
    expect(r.code).toBeLessThan(2);
    expect(statSync(created).mode & 0o777).toBe(0o600);
  }, 120_000);
});

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (code) => done({ code, out, err }));
  });
}

describe('many readers at once', () => {
  it('two analysts cannot read one store at once: three readers and one writer as separate processes all complete, nothing corrupt', async () => {
    const shared = join(dir, 'shared.duckdb');
    copyFileSync(db, shared);
    const env = { TENURE_LOCK_TIMEOUT: '120' };
    const expected = await runCaptured(['report', 'churn-regions', '--db', shared, '--format', 'csv']);
    expect(expected.code).toBe(0);
    const runs = await Promise.all([
      cli(['report', 'churn-regions', '--db', shared, '--format', 'csv'], env),
      cli(['report', 'churn-regions', '--db', shared, '--format', 'csv'], env),
      cli(['lifecycle', 'refresh', '--db', shared, '--json'], env),
      cli(['report', 'churn-regions', '--db', shared, '--format', 'csv'], env),
    ]);
    for (const r of runs) expect(r.code, r.err).toBe(0);
    for (const i of [0, 1, 3]) expect(runs[i]?.out).toBe(expected.out);
    expect(runs.map((r) => r.err).join('')).not.toMatch(/Could not set lock/);
    // The writer's work landed and the store reads as before.
    const after = await DuckDBStore.open(shared, { access: 'read-only' });
    try {
      const [row] = await after.query<{ n: number }>('SELECT count(*) AS n FROM lifecycle_stage_runs');
      expect(Number(row?.n)).toBeGreaterThan(0);
    } finally {
      await after.close();
    }
    expect((await runCaptured(['report', 'churn-regions', '--db', shared, '--format', 'csv'])).out).toBe(expected.out);
  }, 240_000);

  it('a writer that cannot get the store in time fails clearly with exit 2', async () => {
    const shared = join(dir, 'held.duckdb');
    copyFileSync(db, shared);
    const holder = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(shared)}, { access_mode: 'READ_ONLY' }); process.stdout.write('held\\n'); setTimeout(() => i.closeSync(), 20000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((ok) => holder.stdout.on('data', (d: Buffer) => (String(d).includes('held') ? ok() : undefined)));
      const r = await cli(['lifecycle', 'refresh', '--db', shared], { TENURE_LOCK_TIMEOUT: '1' });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/another Tenure process \(PID [0-9]+\) holds the store .*held\.duckdb; waited 1 s/);
      expect(r.err).not.toMatch(/internal error|Could not set lock/);
    } finally {
      holder.kill();
    }
  }, 120_000);
});
