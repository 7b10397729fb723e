import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type AnalyticsStore } from '../../app/store.ts';
import { addUser, createToken } from '../../app/auth/accounts.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { createApi, type Api } from '../index.ts';

/**
 * The API on PostgreSQL: a demo operator imported into DuckDB and copied into PostgreSQL
 * (`tenure store copy`); a report, customer 360, a lifecycle and a value endpoint answer with
 * the same bytes from both stores.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-api-pg-'));
const duck = join(dir, 'demo.duckdb');
const drops: (() => Promise<void>)[] = [];
const stores: AnalyticsStore[] = [];
const apis: { engine: string; api: Api; token: string }[] = [];
let customer = '';

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(problem !== undefined && !IN_CI)(`the API gives the same bytes on DuckDB and PostgreSQL${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    const data = join(dir, 'data');
    expect((await runCaptured(['demo', '--out', data, '--customers', '500', '--months', '18', '--seed', '5'])).code).toBe(0);
    expect((await runCaptured(['import', data, '--db', duck, '--json'])).code).toBe(0);
    customer = readFileSync(join(data, 'customers.csv'), 'utf8').split('\n')[1]?.split(',')[0] ?? '';
    const db = await freshDatabase('tenure_api_reads');
    drops.push(db.drop);
    const copied = await runCaptured(['store', 'copy', '--db', duck, '--into', db.url, '--json']);
    expect(copied.code, copied.err).toBe(0);
    for (const [engine, target] of [['duckdb', duck], ['postgres', db.url]] as const) {
      const store = await openStore(target, { access: 'read-write' });
      stores.push(store);
      await addUser(store, 'analyst', 'analyst', 'a long enough password');
      const token = (await createToken(store, 'analyst', ['reports:read', 'customer:read', 'customer:list'], 1)).token;
      apis.push({ engine, api: createApi({ store, log: () => undefined }), token });
    }
  }, 300_000);

  it.each([
    '/api/v1/reports/churn-totals',
    '/api/v1/reports/churn-regions?level=city&lang=en',
    '/api/v1/customers/$C',
    '/api/v1/customers/$C?lang=en',
    '/api/v1/lifecycle',
    '/api/v1/lifecycle/transitions?lang=en',
    '/api/v1/value',
    '/api/v1/segments',
  ])('%s', async (template) => {
    const path = template.replace('$C', customer);
    const bodies: string[] = [];
    for (const { engine, api, token } of apis) {
      const res = await api.app.request(path, { headers: { Authorization: `Bearer ${token}` } });
      const text = await res.text();
      expect(res.status, `${engine} ${path}: ${text.slice(0, 300)}`).toBe(200);
      bodies.push(text);
    }
    expect(bodies[0]?.length).toBeGreaterThan(50);
    expect(bodies[1]).toBe(bodies[0]);
  }, 120_000);
});
