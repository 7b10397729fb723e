import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/import/import-dataset.ts';
import { FILES } from '../../contract/spec.ts';
import { treatmentOf } from '../../domain/privacy/masking.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { runCaptured } from '../test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-customer-'));
const db = join(dir, 'store.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CUSTOMERS = FILES.find((f) => f.name === 'customers')!;

/**
 * P1's raw value of every column of the contract's customers spec: the known columns by hand,
 * any other column (a personal column added to the contract later) a distinctive token or date,
 * so the walk below covers it without this test changing.
 */
function rawCustomer(): Record<string, string> {
  const known: Record<string, string> = {
    customer_id: 'P1',
    customer_type: 'individual',
    join_date: '2023-01-15',
    region: '甘肃/酒泉/肃州区',
    gender: 'F',
    birth_date: '1937-06-05',
    name: 'Zhangsanfeng Li',
    phone: '139-1234-5678',
    email: 'zhang.sanfeng@example.com',
    industry: 'retail',
    employees: '12',
    acquisition_channel: 'hall',
    winback_of: 'P0',
  };
  return Object.fromEntries(
    CUSTOMERS.columns.map((c): [string, string] => {
      const given = known[c.name];
      if (given !== undefined) return [c.name, given];
      if (c.kind === 'enum') return [c.name, c.values?.[0] ?? ''];
      if (c.kind === 'date') return [c.name, '1931-02-03'];
      if (c.kind === 'string') return [c.name, `tok-${c.name}-q7`];
      return [c.name, c.kind === 'boolean' ? 'true' : '7'];
    }),
  );
}

/** The parts of a raw value that must not show when it is masked. */
function secretsOf(column: string, raw: string): string[] {
  switch (treatmentOf('customers', column)) {
    case 'shown':
      return [];
    case 'phone': {
      // At most the last 4 digits: no 5 consecutive digits of the number.
      const digits = raw.replace(/\D/g, '');
      return Array.from({ length: digits.length - 4 }, (_, i) => digits.slice(i, i + 5));
    }
    case 'email':
      return [raw.slice(0, raw.indexOf('@'))];
    case 'region':
      return raw.split('/').slice(1);
    default:
      // Dates: not even the year.
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) ? [raw.slice(0, 4)] : [raw];
  }
}

const X_ATTRIBUTES = { x_idcard: '620102193706051234', x_tier: 'platinum-vip' };
const TOPIC = 'divorce lawyer asked about the bill';

beforeAll(async () => {
  const p1 = rawCustomer();
  const cols = [...CUSTOMERS.columns.map((c) => c.name), ...Object.keys(X_ATTRIBUTES)];
  const p2: Record<string, string> = { customer_id: 'P2', customer_type: 'individual', join_date: '2023-02-01', region: '甘肃', phone: '87654321' };
  const line = (r: Record<string, string>) => cols.map((c) => r[c] ?? '').join(',');
  writeFileSync(join(dir, 'customers.csv'), [cols.join(','), line({ ...p1, ...X_ATTRIBUTES }), line(p2)].join('\n'));
  const months = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06'];
  writeFileSync(join(dir, 'monthly_usage.csv'), ['customer_id,month,revenue', ...months.flatMap((m) => [`P1,${m},58.00`, `P2,${m},30.00`])].join('\n'));
  writeFileSync(join(dir, 'churn_events.csv'), 'customer_id,churn_date,churn_type,reason_code,competitor\n');
  writeFileSync(join(dir, 'subscriptions.csv'), 'subscription_id,customer_id,product_id,category,start_date,monthly_fee\nS1,P1,TV-BASIC,tv_basic,2023-01-15,58\n');
  writeFileSync(join(dir, 'interactions.csv'), `interaction_id,customer_id,ts,channel,kind,topic\nI1,P1,2024-05-03 10:00,hotline,complaint,${TOPIC}\n`);
  const store = await DuckDBStore.open(db, { readableDirectories: [dir] });
  try {
    const report = await importDataset(store, dir, { prepareAnalytics: false });
    expect(report.rejected).toBe(0);
  } finally {
    await store.close();
  }
}, 60_000);

const FORMATS = ['json', 'csv', 'table'] as const;

describe('customer 360: one masking policy in every format', () => {
  it('walks every field of the contract customers spec: no personal field shows its raw value, in any format', async () => {
    const raw = rawCustomer();
    for (const format of FORMATS) {
      const run = await runCaptured(['customer', 'P1', '--db', db, '--format', format]);
      expect(run.code).toBe(0);
      for (const column of CUSTOMERS.columns.map((c) => c.name)) {
        const value = raw[column] as string;
        for (const secret of secretsOf(column, value)) expect(run.out, `${format}: ${column} shows ${secret}`).not.toContain(secret);
        // Fields the policy shows do show (the view is not simply empty).
        if (treatmentOf('customers', column) === 'shown' && format === 'json') expect(run.out, `${column}`).toContain(value);
      }
    }
  });

  it('with --show-pii every raw value shows (so the walk above tests something) and stderr says so', async () => {
    const run = await runCaptured(['customer', 'P1', '--db', db, '--format', 'json', '--show-pii']);
    expect(run.code).toBe(0);
    for (const [column, value] of Object.entries(rawCustomer())) if (value !== '') expect(run.out, column).toContain(value);
    for (const value of [...Object.values(X_ATTRIBUTES), TOPIC]) expect(run.out).toContain(value);
    expect(run.err.split('\n')[0]).toBe('tenure: showing personal data of P1 unmasked (--show-pii)');
  });

  it('regression: x_ attributes showed in the 360 view → names kept, values hidden', async () => {
    for (const format of FORMATS) {
      const run = await runCaptured(['customer', 'P1', '--db', db, '--format', format]);
      for (const value of Object.values(X_ATTRIBUTES)) expect(run.out, format).not.toContain(value);
      expect(run.out).toContain('x_idcard');
    }
  });

  it('regression: interaction topics showed in the 360 view → hidden', async () => {
    for (const format of FORMATS) {
      const run = await runCaptured(['customer', 'P1', '--db', db, '--format', format]);
      expect(run.out, format).not.toContain('divorce');
    }
    const json = JSON.parse((await runCaptured(['customer', 'P1', '--db', db, '--json'])).out) as { interactions: { topic: string; kind: string }[] };
    expect(json.interactions).toMatchObject([{ topic: '***', kind: 'complaint' }]);
  });

  it('regression: the full region path showed → the province only; city and district hidden', async () => {
    const json = JSON.parse((await runCaptured(['customer', 'P1', '--db', db, '--json'])).out) as { profile: Record<string, unknown> };
    expect(json.profile).toMatchObject({ region: '甘肃/***', province: '甘肃', city: '***', district: '***' });
  });

  it('regression: an 8-digit phone showed 7 digits → at most the last 4', async () => {
    const p2 = JSON.parse((await runCaptured(['customer', 'P2', '--db', db, '--json'])).out) as { profile: Record<string, unknown> };
    expect(p2.profile.phone).toBe('****4321');
    const p1 = JSON.parse((await runCaptured(['customer', 'P1', '--db', db, '--json'])).out) as { profile: Record<string, unknown> };
    expect(p1.profile.phone).toBe('****5678');
  });

  it('regression: a masked birth date kept the year → nothing of it shows', async () => {
    const json = JSON.parse((await runCaptured(['customer', 'P1', '--db', db, '--json'])).out) as { profile: Record<string, unknown>; pii_masked: boolean };
    expect(json.profile.birth_date).toBe('***');
    expect(json.pii_masked).toBe(true);
    expect(json.profile.name).toBe('Z**');
    expect(json.profile.email).toBe('z***@example.com');
  });
});
