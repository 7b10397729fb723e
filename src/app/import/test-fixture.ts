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
