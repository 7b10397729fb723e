import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REASON_CODES, FILES, type FileName, LEXICAL, isExtraColumn } from '../../contract/spec.ts';
import { writeDemoDataset } from '../../app/demo/write-dataset.ts';
import { readTable } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-demo-contract-'));
const END = '2025-12';
const START = '2024-01';
const written: Record<string, Record<string, number>> = {};
const sets = { mixed: join(root, 'mixed'), mobile: join(root, 'mobile'), cable: join(root, 'cable') };

beforeAll(async () => {
  written.mixed = (await writeDemoDataset({ outDir: sets.mixed, customers: 1800, months: 24, seed: 11, profile: 'mixed', endMonth: END })).files;
  written.mobile = (await writeDemoDataset({ outDir: sets.mobile, customers: 1200, months: 24, seed: 12, profile: 'mobile' })).files;
  written.cable = (await writeDemoDataset({ outDir: sets.cable, customers: 1200, months: 24, seed: 13, profile: 'cable' })).files;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const re = (pattern: string) => new RegExp(pattern);
const DATE = re(LEXICAL.date);
const MONTH = re(LEXICAL.month);
const TIMESTAMP = re(LEXICAL.timestamp);
const DECIMAL = re(LEXICAL.decimal);
const INTEGER = re(LEXICAL.integer);
const BOOLEAN = re(LEXICAL.boolean);
/** Measures the contract types as decimals but that count things: the demo must write whole numbers. */
const COUNTS = new Set(['sms', 'calls', 'dropped_calls', 'vod_orders']);

function realDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Every rule of the contract that can be checked on one file, generically from the spec. */
function lexicalErrors(dir: string, name: FileName): string[] {
  const spec = FILES.find((f) => f.name === name);
  if (!spec) throw new Error(name);
  const table = readTable(dir, name);
  const errors: string[] = [];
  const known = new Map(spec.columns.map((c) => [c.name, c]));
  for (const h of table.header) if (!known.has(h) && !isExtraColumn(h)) errors.push(`${name}: unknown column ${h}`);
  for (const c of spec.columns) if (c.required && !table.header.includes(c.name)) errors.push(`${name}: missing ${c.name}`);
  const keys = new Set<string>();
  table.rows.forEach((row, i) => {
    const where = `${name}:${i + 2}`;
    if (row.length !== table.header.length) errors.push(`${where}: ${row.length} fields`);
    const key = spec.key.map((k) => table.get(row, k)).join('|');
    if (keys.has(key)) errors.push(`${where}: duplicate key ${key}`);
    keys.add(key);
    table.header.forEach((h, j) => {
      const col = known.get(h);
      const v = row[j] ?? '';
      if (!col) return;
      if (v === '') {
        if (col.required) errors.push(`${where}: blank ${h}`);
        return;
      }
      const bad = (why: string) => errors.push(`${where}: ${h}=${v} ${why}`);
      switch (col.kind) {
        case 'date':
          if (!DATE.test(v) || !realDate(v)) bad('not a date');
          break;
        case 'month':
          if (!MONTH.test(v)) bad('not a month');
          break;
        case 'timestamp':
          if (!TIMESTAMP.test(v) || !realDate(v.slice(0, 10))) bad('not a timestamp');
          break;
        case 'boolean':
          if (!BOOLEAN.test(v)) bad('not a boolean');
          break;
        case 'enum':
          if (!col.values?.includes(v)) bad('not in enum');
          break;
        case 'integer':
          if (!INTEGER.test(v)) bad('not an integer');
          break;
        case 'money':
          if (!/^[0-9]+(\.[0-9]{1,2})?$/.test(v)) bad('not money with ≤ 2 decimals');
          break;
        case 'decimal':
          if (!DECIMAL.test(v)) bad('not a plain decimal');
          if (COUNTS.has(h) && !INTEGER.test(v)) bad('count is not whole');
          break;
        default:
          break;
      }
      if (col.kind === 'integer' || col.kind === 'money' || col.kind === 'decimal') {
        const n = Number(v);
        if (col.min !== undefined && n < col.min) bad(`below ${col.min}`);
        if (col.max !== undefined && n > col.max) bad(`above ${col.max}`);
      }
    });
    for (const rule of spec.notGreater ?? []) {
      const lesser = table.get(row, rule.lesser);
      const greater = table.get(row, rule.greater);
      if (lesser !== '' && greater !== '' && Number(lesser) > Number(greater)) errors.push(`${where}: ${rule.reason}`);
    }
  });
  return errors;
}

interface Account {
  join: string;
  churn?: string;
  type?: string;
  winbackOf: string;
}

/** Cross-file rules: references, dates inside the service period, churn consistency, win-backs. */
function crossFileErrors(dir: string): string[] {
  const errors: string[] = [];
  const customers = readTable(dir, 'customers');
  const accounts = new Map<string, Account>();
  for (const r of customers.rows) accounts.set(customers.get(r, 'customer_id'), { join: customers.get(r, 'join_date'), winbackOf: customers.get(r, 'winback_of') });
  const churn = readTable(dir, 'churn_events');
  const reasonType = new Map(DEFAULT_REASON_CODES.map((c) => [c.code, c.type]));
  for (const r of churn.rows) {
    const id = churn.get(r, 'customer_id');
    const a = accounts.get(id);
    if (!a) {
      errors.push(`churn: unknown ${id}`);
      continue;
    }
    a.churn = churn.get(r, 'churn_date');
    a.type = churn.get(r, 'churn_type');
    if (a.churn < a.join) errors.push(`churn: ${id} churns ${a.churn} before joining ${a.join}`);
    if (a.churn > `${END}-31`) errors.push(`churn: ${id} after the window`);
    if (reasonType.get(churn.get(r, 'reason_code')) !== a.type) errors.push(`churn: ${id} type ${a.type} disagrees with reason ${churn.get(r, 'reason_code')}`);
  }
  for (const [id, a] of accounts) {
    if (a.join > `${END}-31`) errors.push(`customers: ${id} joins after the window`);
    if (a.winbackOf === '') continue;
    const old = accounts.get(a.winbackOf);
    if (!old?.churn) errors.push(`customers: ${id} wins back ${a.winbackOf}, which never churned`);
    else if (!(old.churn < a.join)) errors.push(`customers: ${id} joins ${a.join} before ${a.winbackOf} left ${old.churn}`);
  }
  const usage = readTable(dir, 'monthly_usage');
  const perMonth = new Map<string, number>();
  for (const r of usage.rows) {
    const id = usage.get(r, 'customer_id');
    const month = usage.get(r, 'month');
    const a = accounts.get(id);
    if (!a) {
      errors.push(`usage: unknown ${id}`);
      continue;
    }
    if (month < START || month > END) errors.push(`usage: ${id} ${month} outside the window`);
    if (month < a.join.slice(0, 7)) errors.push(`usage: ${id} ${month} before joining ${a.join}`);
    if (a.churn) {
      const churnMonth = a.churn.slice(0, 7);
      const next = new Date(`${churnMonth}-01T00:00:00Z`);
      next.setUTCMonth(next.getUTCMonth() + 1);
      if (month > next.toISOString().slice(0, 7)) errors.push(`usage: ${id} ${month} long after churn ${a.churn}`);
      if (month > churnMonth && usage.get(r, 'voice_minutes') + usage.get(r, 'tv_hours') + usage.get(r, 'data_mb') !== '') errors.push(`usage: ${id} final bill ${month} has usage`);
    }
    perMonth.set(id, (perMonth.get(id) ?? 0) + 1);
  }
  const subs = readTable(dir, 'subscriptions');
  for (const r of subs.rows) {
    const a = accounts.get(subs.get(r, 'customer_id'));
    const start = subs.get(r, 'start_date');
    const end = subs.get(r, 'end_date');
    if (!a) errors.push(`subscriptions: unknown customer`);
    else {
      if (start < a.join) errors.push(`subscriptions: starts ${start} before join ${a.join}`);
      if (end !== '' && end < start) errors.push(`subscriptions: ends ${end} before start ${start}`);
      if (a.churn && (end === '' || end > a.churn)) errors.push(`subscriptions: ${subs.get(r, 'subscription_id')} outlives churn ${a.churn}`);
    }
  }
  const consent = new Map(customers.rows.map((r) => [customers.get(r, 'customer_id'), customers.get(r, 'marketing_consent')]));
  const offers = new Set(readTable(dir, 'offers').rows.map((r) => r[0]));
  const campaigns = readTable(dir, 'campaigns');
  const starts = new Map(campaigns.rows.map((r) => [campaigns.get(r, 'campaign_id'), campaigns.get(r, 'start_date')]));
  const members = readTable(dir, 'campaign_members');
  for (const r of members.rows) {
    const id = members.get(r, 'customer_id');
    const where = `campaign_members: ${members.get(r, 'campaign_id')}/${id}`;
    const start = starts.get(members.get(r, 'campaign_id'));
    const a = accounts.get(id);
    const arm = members.get(r, 'arm');
    if (start === undefined || !a) errors.push(`${where}: unknown campaign or customer`);
    else {
      if (members.get(r, 'assigned_date') > start) errors.push(`${where}: assigned after the start ${start}`);
      if (a.join >= start) errors.push(`${where}: joined ${a.join}, not before the start`);
      if (a.churn !== undefined && a.churn < start) errors.push(`${where}: churned ${a.churn} before the start`);
      const contacted = members.get(r, 'contacted_ts').slice(0, 10);
      if (contacted !== '' && (contacted < start || (a.churn !== undefined && contacted > a.churn))) errors.push(`${where}: contacted ${contacted} outside service from the start`);
    }
    if (consent.get(id) !== 'true') errors.push(`${where}: contacted without marketing consent`);
    if (arm !== 'control' && !offers.has(arm)) errors.push(`${where}: arm ${arm} is not an offer`);
  }
  // Points: inside the account's service, and the file's own running balance never negative
  // (every redemption covered by earlier credits of the file, so the ledger accepts it).
  const points = readTable(dir, 'points_transactions');
  const running = new Map<string, number>();
  const lastTs = new Map<string, string>();
  for (const r of points.rows) {
    const id = points.get(r, 'customer_id');
    const a = accounts.get(id);
    const ts = points.get(r, 'ts');
    const day = ts.slice(0, 10);
    const where = `points_transactions: ${points.get(r, 'transaction_id')}`;
    if (!a) errors.push(`${where}: unknown customer`);
    else if (day < a.join || (a.churn !== undefined && day >= a.churn)) errors.push(`${where} at ${day} outside service`);
    if ((lastTs.get(id) ?? '') > ts) errors.push(`${where}: not in time order`);
    lastTs.set(id, ts);
    const n = Number(points.get(r, 'points'));
    const balance = (running.get(id) ?? 0) + (points.get(r, 'kind') === 'redeem' ? -n : n);
    if (balance < 0) errors.push(`${where}: balance ${balance}`);
    running.set(id, balance);
  }
  const interactions = readTable(dir, 'interactions');
  for (const r of interactions.rows) {
    const a = accounts.get(interactions.get(r, 'customer_id'));
    const day = interactions.get(r, 'ts').slice(0, 10);
    if (!a) errors.push('interactions: unknown customer');
    else if (day < a.join || (a.churn !== undefined && day > a.churn)) errors.push(`interactions: ${interactions.get(r, 'interaction_id')} at ${day} outside service`);
  }
  return errors;
}

describe('demo data set conforms to the data contract', () => {
  for (const [profile, dir] of Object.entries(sets)) {
    it(`${profile}: every file and column is valid`, () => {
      const files = ['customers', 'subscriptions', 'monthly_usage', 'interactions', 'churn_events', 'surveys', 'offers', 'campaigns', 'campaign_members', 'points_transactions'] as const;
      const errors = files.flatMap((f) => lexicalErrors(dir, f));
      expect(errors.slice(0, 10)).toEqual([]);
    });
    it(`${profile}: references, service periods, churn types and win-backs are consistent`, () => {
      expect(crossFileErrors(dir).slice(0, 10)).toEqual([]);
    });
  }

  it('writes exactly the requested customers and reports row counts that match the files', () => {
    expect(written.mixed?.customers).toBe(1800);
    for (const [file, rows] of Object.entries(written.mixed ?? {})) expect(readTable(sets.mixed, file).rows.length).toBe(rows);
    expect(readdirSync(sets.mixed).sort()).toEqual([
      'campaign_members.csv',
      'campaigns.csv',
      'churn_events.csv',
      'customers.csv',
      'interactions.csv',
      'monthly_usage.csv',
      'offers.csv',
      'points_transactions.csv',
      'subscriptions.csv',
      'surveys.csv',
    ]);
  });

  it('has win-backs, business accounts, birthdays, masked personal data, contracts and all churn kinds', () => {
    const customers = readTable(sets.mixed, 'customers');
    const col = (n: string) => customers.rows.map((r) => customers.get(r, n));
    expect(col('winback_of').filter((v) => v !== '').length).toBeGreaterThan(10);
    const business = customers.rows.filter((r) => customers.get(r, 'customer_type') === 'business');
    expect(business.length).toBeGreaterThan(40);
    expect(business.every((r) => customers.get(r, 'industry') !== '' && Number(customers.get(r, 'employees')) >= 2)).toBe(true);
    expect(col('birth_date').filter((v) => v !== '').length).toBeGreaterThan(1400);
    expect(col('phone').filter((v) => v !== '').every((v) => /^1\d\d\*{4}\d{4}$/.test(v))).toBe(true);
    expect(col('name').filter((v) => v !== '').every((v) => v.includes('**'))).toBe(true);
    expect(new Set(col('region').map((r) => r.split('/').length))).toEqual(new Set([3]));
    expect(new Set(col('region').map((r) => r.split('/')[0])).size).toBeGreaterThanOrEqual(5);
    const joinedInWindow = col('join_date').filter((d) => d >= `${START}-01`);
    expect(new Set(joinedInWindow.map((d) => d.slice(0, 7))).size).toBe(24); // sign-ups every month
    const subs = readTable(sets.mixed, 'subscriptions');
    expect(subs.rows.filter((r) => subs.get(r, 'contract_end_date') !== '').length).toBeGreaterThan(300);
    const churn = readTable(sets.mixed, 'churn_events');
    const codes = new Set(churn.rows.map((r) => churn.get(r, 'reason_code')));
    for (const code of ['101', '102', '205', '206', '210', '335', '380']) expect(codes).toContain(code);
    const withCompetitor = churn.rows.filter((r) => churn.get(r, 'competitor') !== '');
    expect(withCompetitor.length).toBeGreaterThan(20);
    expect(withCompetitor.every((r) => churn.get(r, 'churn_type') === 'voluntary')).toBe(true);
    const points = readTable(sets.mixed, 'points_transactions');
    const kindOf = (k: string) => points.rows.filter((r) => points.get(r, 'kind') === k);
    expect(kindOf('earn').length).toBeGreaterThan(1800);
    expect(kindOf('redeem').length).toBeGreaterThan(300);
    expect(kindOf('adjust').some((r) => Number(points.get(r, 'points')) < 0)).toBe(true);
    expect(kindOf('adjust').some((r) => Number(points.get(r, 'points')) > 0)).toBe(true);
    const kinds = new Set(readTable(sets.mixed, 'interactions').rows.map((r) => r[4]));
    for (const kind of ['complaint', 'repair', 'care', 'cancel_request', 'offer', 'inquiry', 'order']) expect(kinds).toContain(kind);
  });

  it('surveys cover all, provinces and the six churn-index reasons on a 0–10 scale', () => {
    const surveys = readTable(sets.mixed, 'surveys');
    const scopes = new Set(surveys.rows.map((r) => surveys.get(r, 'scope')));
    expect(scopes).toContain('all');
    expect(scopes).toContain('甘肃');
    const reasons = new Set(surveys.rows.map((r) => surveys.get(r, 'reason')));
    expect([...reasons].sort()).toEqual(['coverage', 'customer_service', 'image', 'new_technology', 'price', 'quality']);
  });
});

describe('profiles differ the way the seeds describe', () => {
  const categories = (dir: string) => {
    const subs = readTable(dir, 'subscriptions');
    return new Set(subs.rows.map((r) => subs.get(r, 'category')));
  };
  const nonBlank = (dir: string, column: string) => {
    const usage = readTable(dir, 'monthly_usage');
    return usage.rows.filter((r) => usage.get(r, column) !== '').length;
  };

  it('cable has the TV categories and cable segments, and no voice, roaming or calls', () => {
    const cats = categories(sets.cable);
    for (const c of ['tv_basic', 'tv_hd', 'vod', 'broadband', 'bundle']) expect(cats).toContain(c);
    expect(cats).not.toContain('voice');
    expect(nonBlank(sets.cable, 'roaming_minutes')).toBe(0);
    expect(nonBlank(sets.cable, 'calls')).toBe(0);
    expect(nonBlank(sets.cable, 'tv_hours')).toBeGreaterThan(10_000);
    const customers = readTable(sets.cable, 'customers');
    const segments = new Set(customers.rows.map((r) => customers.get(r, 'x_segment')));
    for (const s of ['basic', 'new_video', 'netizen', 'full_service']) expect(segments).toContain(s);
  });

  it('mobile has voice, data and VAS with call measures, and no TV', () => {
    const cats = categories(sets.mobile);
    for (const c of ['voice', 'mobile_data', 'vas']) expect(cats).toContain(c);
    expect(cats).not.toContain('tv_basic');
    expect(nonBlank(sets.mobile, 'voice_minutes')).toBeGreaterThan(10_000);
    expect(nonBlank(sets.mobile, 'roaming_minutes')).toBeGreaterThan(10_000);
    expect(nonBlank(sets.mobile, 'tv_hours')).toBe(0);
  });

  it('mixed has both lines', () => {
    const cats = categories(sets.mixed);
    expect(cats).toContain('voice');
    expect(cats).toContain('tv_basic');
  });
});
