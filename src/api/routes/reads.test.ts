import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type AnalyticsStore } from '../../app/store.ts';
import { addUser, createToken } from '../../app/auth/accounts.ts';
import { PERMISSION_MATRIX, ROLES, type Role } from '../../app/auth/permissions.ts';
import { listAudit } from '../../app/auth/audit.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { createApi, type Api } from '../index.ts';

/**
 * The API's reads against the CLI: on one demo operator, every read route answers with the
 * document its command prints with --json (the customers of a list a page at a time), to the
 * byte once parsed; rights per route; paging headers; the care export audited.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-api-reads-'));
const db = join(dir, 't.duckdb');
const data = join(dir, 'data');
let store: AnalyticsStore;
let api: Api;
let customer = '';
let savedList = '';
const tokens = {} as Record<Role, string>;

/** What the CLI printed (--json), keyed by the API path that must give the same document. */
const cli = new Map<string, unknown>();

async function cliJson(args: string[]): Promise<unknown> {
  const r = await runCaptured([...args, '--db', db, '--json']);
  process.exitCode = undefined;
  if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as unknown;
}

beforeAll(async () => {
  const run = async (args: string[]) => {
    const r = await runCaptured(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.err}`);
    return r.out;
  };
  await run(['demo', '--out', data, '--customers', '600', '--months', '24', '--profile', 'mixed', '--seed', '7']);
  await run(['import', data, '--db', db]);
  await run(['model', 'train', '--db', db]);
  customer = (JSON.parse(await run(['score', '--db', db, '--top', '1', '--json'])) as { customer_id: string }[])[0]?.customer_id ?? '';
  savedList = (JSON.parse(await run(['warn', '--db', db, '--top', '30', '--save', 'api list', '--json'])) as { saved_list: { list_id: string } }).saved_list.list_id;
  // The CLI's documents first: the API's store then holds the file (one DuckDB writer).
  const pairs: [string, string[]][] = [
    ['/api/v1/lifecycle', ['lifecycle']],
    ['/api/v1/lifecycle?lang=en&currency=HKD', ['lifecycle', '--lang', 'en', '--currency', 'HKD']],
    ['/api/v1/lifecycle/transitions', ['lifecycle', 'transitions']],
    ['/api/v1/lifecycle/patterns?from=2025-01&lang=en', ['lifecycle', 'patterns', '--from', '2025-01', '--lang', 'en']],
    ['/api/v1/value', ['value']],
    ['/api/v1/value?as_of=2025-06&annual_discount_rate=0.2&lang=en', ['value', '--as-of', '2025-06', '--annual-discount-rate', '0.2', '--lang', 'en']],
    ['/api/v1/segments', ['segments']],
    ['/api/v1/segments?profile=cable', ['segments', '--profile', 'cable']],
    ['/api/v1/segments?by=x_segment&months=2', ['segments', '--by', 'x_segment', '--months', '2']],
    ['/api/v1/churn-index', ['churn-index']],
    ['/api/v1/forecast/churn?by=province&horizon=3', ['forecast', 'churn', '--by', 'province', '--horizon', '3']],
    ['/api/v1/complaints?by=channel', ['report', 'complaints', '--by', 'channel']],
    ['/api/v1/service-quality?level=city&bands=0,0.02', ['report', 'service-quality', '--level', 'city', '--bands', '0,0.02']],
    ['/api/v1/relationship?lang=en', ['relationship', '--lang', 'en']],
    ['/api/v1/campaigns', ['campaign', 'evaluate']],
    ['/api/v1/campaigns/RET-2025-05?lang=en', ['campaign', 'evaluate', 'RET-2025-05', '--lang', 'en']],
    ['/api/v1/warn?top=20', ['warn', '--top', '20']],
    ['/api/v1/warn?top=5&lang=en&quadrant=III,IV&min_probability=0.1', ['warn', '--top', '5', '--lang', 'en', '--quadrant', 'III,IV', '--min-probability', '0.1']],
    ['/api/v1/warn/lists', ['warn', 'lists']],
    [`/api/v1/warn/lists/${'$LIST'}?top=10`, ['warn', 'show', '$LIST', '--top', '10']],
    ['/api/v1/care', ['care']],
    ['/api/v1/care?lang=en&from=2026-01-01&to=2026-03-31&unknown_consent=allow&segment=tier:gold&promotion=Spring%20TV', ['care', '--lang', 'en', '--from', '2026-01-01', '--to', '2026-03-31', '--unknown-consent', 'allow', '--segment', 'tier:gold', '--promotion', 'Spring TV']],
    [`/api/v1/customers/${'$C'}/points?as_of=2025-12-31`, ['points', 'balance', '$C', '--as-of', '2025-12-31']],
    [`/api/v1/customers/${'$C'}/points/statement?as_of=2025-12-31`, ['points', 'statement', '$C', '--as-of', '2025-12-31']],
    ['/api/v1/points/expiring?within_days=900&as_of=2025-06-30', ['points', 'expiring', '--within-days', '900', '--as-of', '2025-06-30']],
    ['/api/v1/winback?top=20', ['winback', '--top', '20']],
    ['/api/v1/winback?lang=en&from=2025-01&to=2025-06', ['winback', '--lang', 'en', '--from', '2025-01', '--to', '2025-06']],
  ];
  const fill = (t: string) => t.replaceAll('$LIST', savedList).replaceAll('$C', customer);
  for (const [path, args] of pairs) cli.set(fill(path), await cliJson(args.map(fill)));
  store = await openStore(db, { access: 'read-write' });
  for (const role of ROLES) {
    await addUser(store, role.replace('_', '-'), role, 'a long enough password');
    tokens[role] = (await createToken(store, role.replace('_', '-'), [...PERMISSION_MATRIX[role]], 30)).token;
  }
  api = createApi({ store, log: () => undefined });
}, 600_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, role: Role = 'admin') => api.app.request(path, { headers: { Authorization: `Bearer ${tokens[role]}` } });

/** The list field of a document the API pages. */
const LISTS: Record<string, string> = { '/api/v1/warn': 'customers', '/api/v1/warn/lists/': 'customers', '/api/v1/care': 'occasions', '/api/v1/points/expiring': 'expiring', '/api/v1/winback': 'accounts' };

describe('the API reads give the CLI --json documents', () => {
  it('every read route, same document as its command', async () => {
    expect(cli.size).toBeGreaterThan(20);
    for (const [path, expected] of cli) {
      const res = await get(`${path}${path.includes('?') ? '&' : '?'}limit=1000`);
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status, `${path}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200);
      const want = { ...(expected as Record<string, unknown>) };
      if (path.startsWith('/api/v1/churn-index')) want.source = 'store'; // the server's path is not the client's business
      if (path.startsWith('/api/v1/warn?')) expect(want).toMatchObject({ saved_list: null, out_file: null });
      expect(body, path).toEqual(want);
    }
  }, 300_000);

  it('lists are paged: X-Total-Count, Link rel=next, the pages add up to the whole list', async () => {
    const whole = cli.get('/api/v1/warn?top=20') as { customers: { customer_id: string }[] };
    const ids: string[] = [];
    let next: string | null = '/api/v1/warn?top=20&limit=7';
    while (next !== null) {
      const res = await get(next);
      expect(res.headers.get('x-total-count')).toBe('20');
      ids.push(...((await res.json()) as { customers: { customer_id: string }[] }).customers.map((r) => r.customer_id));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(ids).toEqual(whole.customers.map((r) => r.customer_id));
    expect(Object.keys(LISTS).length).toBe(5);
  });

  it('rights: aggregates for reports:read, lists for customer:list, one customer for customer:read', async () => {
    expect((await get('/api/v1/lifecycle', 'read_only')).status).toBe(200);
    expect((await get('/api/v1/lifecycle', 'agent')).status).toBe(403);
    expect((await get('/api/v1/warn?top=3', 'read_only')).status).toBe(403);
    expect((await get('/api/v1/warn?top=3', 'analyst')).status).toBe(200);
    expect((await get(`/api/v1/customers/${customer}/points?as_of=2025-12-31`, 'agent')).status).toBe(200);
    expect((await get('/api/v1/points/expiring?within_days=30', 'agent')).status).toBe(403);
    // The weakest relationships name customers: not for a role without customer:list.
    const ro = (await (await get('/api/v1/relationship', 'read_only')).json()) as { weakest: unknown[] };
    expect(ro.weakest).toEqual([]);
    const an = (await (await get('/api/v1/relationship', 'analyst')).json()) as { weakest: unknown[] };
    expect(an.weakest.length).toBeGreaterThan(0);
  });

  it('queries are checked by their schema: a bad month, an unknown quadrant, a number out of range are 400s', async () => {
    for (const path of ['/api/v1/lifecycle?as_of=2025-13', '/api/v1/warn?quadrant=V', '/api/v1/forecast/churn?horizon=99', '/api/v1/segments?profile=cable,tv', '/api/v1/care?from=2026-02-30x', '/api/v1/warn?limit=5000']) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION');
    }
    // A month outside the data is the app's coded error, as for the CLI.
    const outside = await get('/api/v1/lifecycle?as_of=1999-01');
    expect(outside.status).toBeGreaterThanOrEqual(400);
    expect(outside.status).toBeLessThan(500);
  });

  it('the care calendar exports as CSV and iCalendar with export:bulk, audited; not for an agent', async () => {
    const csv = await get('/api/v1/exports/care?format=csv', 'analyst');
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split('\n')[0]).toBe('customer_id,date,occasion,priority,status,occasion_date,reason,value_tier,churn_probability,script');
    expect(text.trim().split('\n').length - 1).toBe((cli.get('/api/v1/care') as { occasions: unknown[] }).occasions.length);
    const ics = await (await get('/api/v1/exports/care?format=ics&lang=en', 'analyst')).text();
    expect(ics).toMatch(/^BEGIN:VCALENDAR/);
    expect((await get('/api/v1/exports/care', 'agent')).status).toBe(403);
    const trail = await listAudit(store, { limit: 1000, action: 'export' });
    expect(trail.filter((r) => r.target === 'care' && r.actor.startsWith('analyst')).length).toBe(2);
  });
});
