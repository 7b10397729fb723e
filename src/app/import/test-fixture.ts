import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temporary root removed after the file's tests, and `fresh`: a new empty folder in it per call. */
export function freshDirs(prefix: string): { readonly root: string; readonly fresh: (name: string) => string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = (name: string) => {
    const dir = join(root, `${name}-${n++}`);
    mkdirSync(dir);
    return dir;
  };
  return { root, fresh };
}

/**
 * Small contract data sets for the import tests, built line by line so each injected bad row
 * knows its physical line. `expect` collects [file, line, column, reason code] of every reject.
 */
export type ExpectedReject = readonly [file: string, line: number, column: string, code: string];

export class FixtureFile {
  private readonly lines: string[];
  private physical = 1;
  rows = 0;

  constructor(
    readonly name: string,
    header: readonly string[],
    private readonly expected: ExpectedReject[],
  ) {
    this.lines = [header.join(',')];
  }

  /** Appends one record (its text may span lines); returns its first physical line. */
  add(text: string, reject?: { column: string; code: string } | { column: string; code: string }[]): number {
    const line = this.physical + 1;
    this.lines.push(text);
    this.physical += text.split('\n').length;
    this.rows++;
    for (const r of Array.isArray(reject) ? reject : reject ? [reject] : []) this.expected.push([this.name, line, r.column, r.code]);
    return line;
  }

  write(dir: string): string {
    const path = join(dir, `${this.name}.csv`);
    writeFileSync(path, this.lines.join('\n') + '\n');
    return path;
  }
}

export const HEADERS = {
  customers: ['customer_id', 'customer_type', 'join_date', 'region', 'gender', 'name', 'employees', 'x_segment'],
  monthly_usage: [
    'customer_id',
    'month',
    'revenue',
    'cost',
    'voice_minutes',
    'outgoing_minutes',
    'calls',
    'dropped_calls',
    'distinct_contacts',
    'on_net_contacts',
    'x_speed',
  ],
  churn_events: ['customer_id', 'churn_date', 'churn_type', 'reason_code', 'competitor'],
  subscriptions: ['subscription_id', 'customer_id', 'product_id', 'category', 'start_date', 'monthly_fee'],
  interactions: ['interaction_id', 'customer_id', 'ts', 'channel', 'kind', 'resolved', 'satisfaction'],
  surveys: ['scope', 'reason', 'rating', 'importance', 'availability'],
  reason_codes: ['code', 'type', 'group', 'zh', 'en'],
} as const;

export const customerId = (i: number) => `C${String(i).padStart(4, '0')}`;

export function customerLine(i: number, region = '甘肃/酒泉/肃州区'): string {
  return `${customerId(i)},individual,2023-0${(i % 9) + 1}-15,${region},${i % 2 ? 'M' : 'F'},n${i},,seg${i % 3}`;
}

export function usageLine(i: number, month: string, revenue = '38.50'): string {
  return `${customerId(i)},${month},${revenue},12.25,200.5,80,50,2,20,5,1.5`;
}

/** A clean data set of `n` customers with two usage months each and a few churn events. */
export function writeCleanDataset(dir: string, n: number): { customers: number; monthly_usage: number; churn_events: number } {
  const expected: ExpectedReject[] = [];
  const customers = new FixtureFile('customers', HEADERS.customers, expected);
  const usage = new FixtureFile('monthly_usage', HEADERS.monthly_usage, expected);
  const churn = new FixtureFile('churn_events', HEADERS.churn_events, expected);
  for (let i = 1; i <= n; i++) {
    customers.add(customerLine(i));
    usage.add(usageLine(i, '2024-01'));
    usage.add(usageLine(i, '2024-02'));
    if (i % 5 === 0) churn.add(`${customerId(i)},2024-03-01,voluntary,101,`);
  }
  for (const f of [customers, usage, churn]) f.write(dir);
  return { customers: customers.rows, monthly_usage: usage.rows, churn_events: churn.rows };
}

/** Injects one bad row of every kind the contract names, recording where each must be reported. */
export function writeDirtyDataset(dir: string): ExpectedReject[] {
  const exp: ExpectedReject[] = [];
  const c = new FixtureFile('customers', HEADERS.customers, exp);
  for (let i = 1; i <= 10; i++) c.add(customerLine(i));
  c.add('C0011,individual,2023-13-01,甘肃,M,,,', { column: 'join_date', code: 'invalid_date' });
  c.add('C0012,person,2023-01-01,甘肃,M,,,', { column: 'customer_type', code: 'invalid_value' });
  c.add('C0013,individual,2023-01-01,,M,,,', { column: 'region', code: 'missing_value' });
  c.add('C0001,business,2023-01-15,甘肃,M,,,', { column: 'customer_id', code: 'duplicate_key' });
  c.add(customerLine(2)); // exact repeat: accepted, changes nothing
  c.add('C0014,individual,2023-01-01,甘肃,m,,,', { column: 'gender', code: 'invalid_value' });
  c.add('C0015,individual,2023-01-01,甘肃/兰州,F,"Li\nSi",,'); // multi-line field: later lines shift
  c.add('C0016,business,2023-01-01,甘肃,F,,-5,', { column: 'employees', code: 'negative' });
  c.add('C0017,individual,2023-01-01,甘肃,F,Wang"x,,', { column: 'name', code: 'quote_in_unquoted_field' });
  c.add('C0018,individual,2023-01-01,甘肃,F', { column: '', code: 'wrong_field_count' });
  c.add('C0019,business,2023-01-01,甘肃,,"Acme, ""Ltd""",12,'); // blank optional gender, doubled quotes: fine
  c.add('C0020,individual,2023-01-01,甘肃,F,"Zhao"x,,', { column: 'name', code: 'text_after_closing_quote' });
  c.add('C0021,individual,2023-1-01,甘肃,F,,1.5,', [
    { column: 'join_date', code: 'not_date' },
    { column: 'employees', code: 'not_integer' },
  ]);
  c.write(dir);

  const u = new FixtureFile('monthly_usage', HEADERS.monthly_usage, exp);
  for (let i = 1; i <= 10; i++) u.add(usageLine(i, '2024-01'));
  u.add('C0001,2024-02,1e5,1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0002,2024-02,10.1234567,1,10,5,5,1,5,1,', { column: 'revenue', code: 'too_many_decimals' });
  u.add('C0003,2024-02,-1,1,10,5,5,1,5,1,', { column: 'revenue', code: 'negative' });
  u.add('C0004,2024-13,1,1,10,5,5,1,5,1,', { column: 'month', code: 'invalid_month' });
  u.add('C0005,2024-02,1,1,10,11,5,1,5,1,', { column: 'outgoing_minutes', code: 'outgoing_minutes_exceeds_voice_minutes' });
  u.add('C0006,2024-02,1,1,10,5,5,6,5,1,', { column: 'dropped_calls', code: 'dropped_calls_exceeds_calls' });
  u.add('C0007,2024-02,1,1,10,5,5,1,5,6,', { column: 'on_net_contacts', code: 'on_net_contacts_exceeds_distinct_contacts' });
  u.add('C0999,2024-02,1,1,10,5,5,1,5,1,', { column: 'customer_id', code: 'unknown_customer' });
  u.add('C0011,2024-02,1,1,10,5,5,1,5,1,', { column: 'customer_id', code: 'unknown_customer' }); // its customer row was rejected
  u.add('C0001,2024-01,99,1,10,5,5,1,5,1,1.5', { column: 'customer_id/month', code: 'duplicate_key' });
  u.add(usageLine(2, '2024-01')); // exact repeat
  u.add('C0008,2024-02,,1,10,5,5,1,5,1,', { column: 'revenue', code: 'missing_value' });
  u.add('C0009,2024-02,１２,1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0010,2024-02,"5"x,1,10,5,5,1,5,1,', { column: 'revenue', code: 'text_after_closing_quote' });
  u.add('C0010,2024-03,5,1,10,5,5,1,5,1,abc', { column: 'x_speed', code: 'not_decimal' });
  u.add('C0010,2024-04,5,1,10,5,5,1,5,1,2.5,9', { column: '', code: 'wrong_field_count' });
  u.add('C0015,2024-02,"1,000",1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0019,2024-02,7.5,1,10,5,5,1,5,1,-2.5'); // negative extras are fine
  u.write(dir);

  const s = new FixtureFile('subscriptions', HEADERS.subscriptions, exp);
  s.add('S1,C0001,P1,voice,2023-01-15,39.00');
  s.add('S2,C0002,P1,phone,2023-01-15,39.00', { column: 'category', code: 'invalid_value' });
  s.add('S3,C0002,P1,voice,2023-01-15,39.0000001', { column: 'monthly_fee', code: 'too_many_decimals' });
  s.add('S4,C0404,P1,voice,2023-01-15,39', { column: 'customer_id', code: 'unknown_customer' });
  s.write(dir);

  const it = new FixtureFile('interactions', HEADERS.interactions, exp);
  it.add('I1,C0001,2024-01-05T10:00:00+00:00,hotline,complaint,false,2');
  it.add('I2,C0001,2024-01-05 10:00,app,inquiry,,6', { column: 'satisfaction', code: 'out_of_range' });
  it.add('I3,C0001,2024-01-05 25:00,app,inquiry,,', { column: 'ts', code: 'invalid_timestamp' });
  it.add('I4,C0001,2024-01-05T10:00,fax,inquiry,,', { column: 'channel', code: 'invalid_value' });
  it.add('I5,C0001,2024-01-05T10:00,app,inquiry,yes,', { column: 'resolved', code: 'not_boolean' });
  it.add('I6,C0001,5 Jan 2024,app,inquiry,,', { column: 'ts', code: 'not_timestamp' });
  it.write(dir);

  const ch = new FixtureFile('churn_events', HEADERS.churn_events, exp);
  ch.add('C0001,2022-12-31,voluntary,101,', { column: 'churn_date', code: 'churn_before_join' });
  ch.add('C0002,2024-05-01,voluntary,335,', { column: 'churn_type', code: 'churn_type_mismatch' });
  ch.add('C0003,2024-05-01,voluntary,999,', { column: 'reason_code', code: 'unknown_reason_code' });
  ch.add('C0004,2024-05-01,voluntary,901,Rival'); // 901 comes from this data set's reason_codes
  ch.add('C0005,2024-05-01,involuntary,335,');
  ch.add('C0999,2024-05-01,involuntary,335,', { column: 'customer_id', code: 'unknown_customer' });
  ch.write(dir);

  const sv = new FixtureFile('surveys', HEADERS.surveys, exp);
  sv.add('all,price,7.5,8,6');
  sv.add('甘肃,price,11,8,6', { column: 'rating', code: 'out_of_range' });
  sv.write(dir);

  const rc = new FixtureFile('reason_codes', HEADERS.reason_codes, exp);
  rc.add('901,voluntary,price,套餐,plan fit');
  rc.add('902,sideways,price,x,y', { column: 'type', code: 'invalid_value' });
  rc.write(dir);
  return exp;
}
