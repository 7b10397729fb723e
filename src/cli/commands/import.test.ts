import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeCleanDataset } from '../../app/import/test-fixture.ts';
import { runCli } from '../main.ts';
import { LARGE_BASE, prepareHint } from './import.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-import-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function dataset(customers = 6): string {
  const dir = join(root, `ds-${n++}`);
  mkdirSync(dir);
  writeCleanDataset(dir, customers);
  return dir;
}

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('tenure import', () => {
  it('exits 0 and prints the contract JSON when every row is accepted', async () => {
    const dir = dataset();
    const code = await runCli(['import', dir, '--db', join(dir, 's.duckdb'), '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as { files: Record<string, { read: number; accepted: number; rejected: number }>; rejected: number };
    expect(json.rejected).toBe(0);
    expect(Object.keys(json.files)).toEqual(['customers', 'monthly_usage', 'churn_events']);
    expect(json.files.customers).toMatchObject({ read: 6, accepted: 6, rejected: 0 });
    // By default it also keeps the latest months' stages and values, on stderr (stdout stays JSON).
    expect(err).toMatch(/kept the lifecycle stages of \d{4}-\d{2}\.\.\d{4}-\d{2} and the customer values of \d{4}-\d{2} for the read commands/);
  });

  it('suggests keeping them after --no-prepare of a large base only', () => {
    expect(prepareHint(LARGE_BASE - 1)).toBeNull();
    expect(prepareHint(1_000_000)).toMatch(/^tenure: 1,000,000 customers: .*without --no-prepare/);
  });

  it('--no-prepare loads only; a small base gets no hint (it stages fast enough on first use)', async () => {
    const dir = dataset();
    const code = await runCli(['import', dir, '--db', join(dir, 'p.duckdb'), '--json', '--no-prepare']);
    expect(code).toBe(0);
    expect(JSON.parse(out).rejected).toBe(0);
    expect(err).not.toMatch(/kept the lifecycle stages/);
    expect(err).not.toMatch(/--no-prepare/);
  });

  it('exits 1 with rejected rows, names them on stderr and writes --rejects as CSV', async () => {
    const dir = dataset();
    const usage = join(dir, 'monthly_usage.csv');
    writeFileSync(usage, readFileSync(usage, 'utf8') + 'C0404,2024-01,1,1,10,5,5,1,5,1,\nC0001,2024-03,"1,5",1,10,5,5,1,5,1,\n');
    const rejects = join(dir, 'rejects.csv');
    const code = await runCli(['import', dir, '--db', join(dir, 's.duckdb'), '--json', '--rejects', rejects]);
    expect(code).toBe(1);
    expect(JSON.parse(out).files.monthly_usage).toMatchObject({ read: 14, accepted: 12, rejected: 2 });
    expect(err).toContain('monthly_usage:14:customer_id: unknown_customer');
    expect(readFileSync(rejects, 'utf8').trim().split('\n')).toEqual([
      'file,line,column,value,reason,row_bytes,row_sha256',
      'monthly_usage,14,customer_id,C0404,unknown_customer: customer_id C0404 is not in customers,,',
      'monthly_usage,15,revenue,"1,5","not_decimal: expected a plain decimal -?digits[.digits] (no exponent, separators or NaN)",,',
    ]);
  });

  it('exits 2 on a schema error, still importing the other files', async () => {
    const dir = dataset();
    const churn = join(dir, 'churn_events.csv');
    writeFileSync(churn, readFileSync(churn, 'utf8').replace('reason_code,', 'reason,'));
    const code = await runCli(['import', dir, '--db', join(dir, 's.duckdb'), '--json']);
    expect(code).toBe(2);
    const json = JSON.parse(out);
    expect(json.files.churn_events).toMatchObject({ read: 0, status: 'schema_error' });
    expect(json.files.customers).toMatchObject({ accepted: 6 });
    expect(err).toMatch(/churn_events\.csv: schema error: unknown column reason .*\n.*missing required column reason_code/s);
  });

  it('exits 2 for a missing folder, a missing required file and an unreadable store', async () => {
    expect(await runCli(['import', join(root, 'nope'), '--db', join(root, 'x.duckdb')])).toBe(2);
    expect(err).toContain('data set folder not found');
    const dir = dataset();
    rmSync(join(dir, 'churn_events.csv'));
    expect(await runCli(['import', dir, '--db', join(dir, 's.duckdb')])).toBe(2);
    expect(err).toContain('missing required file churn_events');
    const bad = join(root, 'garbage.duckdb');
    writeFileSync(bad, 'not a database');
    expect(await runCli(['import', dataset(), '--db', bad])).toBe(2);
    expect(err).toContain('cannot open DuckDB store');
  });

  it('says how many stored rows a changed file replaced', async () => {
    const dir = dataset();
    const db = join(dir, 's.duckdb');
    expect(await runCli(['import', dir, '--db', db, '--format', 'csv'])).toBe(0);
    const customers = join(dir, 'customers.csv');
    writeFileSync(customers, readFileSync(customers, 'utf8').replace('C0002,individual', 'C0002,business'));
    out = '';
    expect(await runCli(['import', dir, '--db', db, '--format', 'csv'])).toBe(0);
    expect(out.split('\n')[1]).toBe('customers,6,6,0,0,1,5,loaded');
    expect(err).toContain('customers: 1 existing rows replaced by changed rows');
  });
});
