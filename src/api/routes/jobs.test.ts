import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type AnalyticsStore } from '../../app/store.ts';
import { addUser, createToken } from '../../app/auth/accounts.ts';
import { PERMISSION_MATRIX, ROLES, type Role } from '../../app/auth/permissions.ts';
import { listAudit } from '../../app/auth/audit.ts';
import { JobQueue, type JobRecord } from '../../app/jobs/jobs.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { createApi, type Api } from '../index.ts';
import { CSRF_HEADER } from '../app.ts';
import { jobsOf } from './jobs.ts';

/**
 * Jobs over HTTP on a DuckDB store the server owns: an import from the data root (never from
 * outside it), train and score queued one at a time, reads answered while a job writes, the
 * state kept in api_jobs, every submission audited.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-api-jobs-'));
const root = join(dir, 'root');
const db = join(dir, 'jobs.duckdb');
let store: AnalyticsStore;
let api: Api;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  mkdirSync(root);
  const demo = await runCaptured(['demo', '--out', join(root, 'operator'), '--customers', '1500', '--months', '24', '--seed', '3']);
  if (demo.code !== 0) throw new Error(demo.err);
  mkdirSync(join(dir, 'outside'));
  symlinkSync(join(dir, 'outside'), join(root, 'escape'));
  store = await openStore(db, { access: 'read-write', create: true, readableDirectories: [root] });
  for (const role of ROLES) {
    await addUser(store, role.replace('_', '-'), role, 'a long enough password');
    tokens[role] = (await createToken(store, role.replace('_', '-'), [...PERMISSION_MATRIX[role]], 30)).token;
  }
  api = createApi({ store, log: () => undefined, dataRoot: root });
}, 300_000);

afterAll(async () => {
  await jobsOf(api)?.idle();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (role: Role) => ({ Authorization: `Bearer ${tokens[role]}` });
const post = (kind: string, body: unknown, role: Role = 'analyst') =>
  api.app.request(`/api/v1/jobs/${kind}`, { method: 'POST', headers: { ...auth(role), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const job = async (id: string): Promise<JobRecord> => (await (await api.app.request(`/api/v1/jobs/${id}`, { headers: auth('analyst') })).json()) as JobRecord;
async function until(id: string, done: (j: JobRecord) => boolean, ms = 400_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const j = await job(id);
    if (done(j) || Date.now() - t0 > ms) return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const finished = (j: JobRecord) => j.state === 'succeeded' || j.state === 'failed';

describe('import jobs read only from the data root', () => {
  it('refuses a path outside it: .., an absolute path, a symbolic link out of it (400, nothing queued, audited)', async () => {
    for (const path of ['../outside', '/etc', 'escape', 'operator/../../outside', 'no-such-folder']) {
      const res = await post('import', { path });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(JSON.stringify(await res.json())).not.toContain(dir);
    }
    const list = (await (await api.app.request('/api/v1/jobs', { headers: auth('admin') })).json()) as JobRecord[];
    expect(list).toEqual([]);
    const denied = await listAudit(store, { limit: 100, action: 'job_import' });
    expect(denied.map((r) => r.outcome)).toEqual(['denied', 'denied', 'denied', 'denied', 'denied']);
  });

  it('needs jobs:run, and a cookie session the CSRF header', async () => {
    expect((await post('import', { path: 'operator' }, 'agent')).status).toBe(403);
    expect((await post('train', {}, 'retention_manager')).status).toBe(403);
    const login = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: 'a long enough password' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
    const noCsrf = await api.app.request('/api/v1/jobs/score', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: '{}' });
    expect(noCsrf.status).toBe(403);
    const wrong = await api.app.request('/api/v1/jobs/score', { method: 'POST', headers: { Cookie: cookie, [CSRF_HEADER]: `${csrf}x`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(403);
    expect((await post('import', { path: 'operator', extra: 1 })).status).toBe(400);
  });
});

describe('jobs run one at a time and never block reads', () => {
  it('import, then train and score queued behind it; a report answers while the import writes', async () => {
    const res = await post('import', { path: 'operator' });
    expect(res.status).toBe(202);
    const imp = (await res.json()) as JobRecord;
    expect(res.headers.get('location')).toBe(`/api/v1/jobs/${imp.job_id}`);
    expect(imp).toMatchObject({ kind: 'import', state: 'queued', progress: 0, started_at: null, params: { path: 'operator' }, created_by: expect.stringContaining('analyst') });
    const train = (await (await post('train', { horizon: 3 })).json()) as JobRecord;
    const score = (await (await post('score', { lang: 'en' })).json()) as JobRecord;
    expect((await job(train.job_id)).state).toBe('queued');
    // While the import runs, reads go on: the request sessions see the last committed state.
    const running = await until(imp.job_id, (j) => j.state !== 'queued');
    expect(running.state).toBe('running');
    const t0 = performance.now();
    const read = await api.app.request('/api/v1/auth/me', { headers: auth('read_only') });
    const audit = await api.app.request('/api/v1/audit?limit=1', { headers: auth('admin') });
    expect([read.status, audit.status]).toEqual([200, 200]);
    const report = await api.app.request('/api/v1/jobs?limit=5', { headers: auth('analyst') });
    expect(report.status).toBe(200);
    const readMs = performance.now() - t0;
    const stillRunning = (await job(imp.job_id)).state === 'running';
    const done = await until(imp.job_id, finished);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.progress).toBe(1);
    expect(done.result).toMatchObject({ rejected: 0 });
    expect((done.result as { files: { file: string; status: string }[] }).files.map((f) => f.status)).toContain('loaded');
    // The reads answered before the import finished (they were not queued behind it).
    expect(stillRunning || readMs < Date.parse(done.finished_at as string) - Date.parse(done.started_at as string)).toBe(true);
    const trained = await until(train.job_id, finished);
    expect(trained.state, JSON.stringify(trained.error)).toBe('succeeded');
    expect(trained.result).toMatchObject({ model_version: expect.any(String), horizon: 3 });
    const scored = await until(score.job_id, finished);
    expect(scored.state, JSON.stringify(scored.error)).toBe('succeeded');
    expect(scored.result).toMatchObject({ scored: expect.any(Number) });
    // One at a time: each started after the one before had finished.
    expect(Date.parse(trained.started_at as string)).toBeGreaterThanOrEqual(Date.parse(done.finished_at as string));
    expect(Date.parse(scored.started_at as string)).toBeGreaterThanOrEqual(Date.parse(trained.finished_at as string));
    // The churn report now reads the imported data.
    const totals = await api.app.request('/api/v1/reports/churn-totals?limit=1', { headers: auth('analyst') });
    expect(totals.status).toBe(200);
    const list = (await (await api.app.request('/api/v1/jobs?limit=2', { headers: auth('analyst') })).json()) as JobRecord[];
    expect(list.map((j) => j.job_id)).toEqual([score.job_id, train.job_id]);
    const trail = await listAudit(store, { limit: 1000 });
    expect(trail.filter((r) => r.action.startsWith('job_') && r.outcome === 'ok').map((r) => r.action)).toEqual(['job_import', 'job_train', 'job_score']);
  }, 900_000);

  it('a failing job keeps its coded error; a job left running by a stopped server is failed as interrupted', async () => {
    const bad = (await (await post('score', { as_of: '1999-01' })).json()) as JobRecord;
    const failed = await until(bad.job_id, finished);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toMatch(/USAGE|NO_DATA|BAD_INPUT/);
    await store.run(`INSERT INTO api_jobs (job_id, kind, state, progress, params, created_by, created_ms) VALUES ('JOLD', 'train', 'running', 0.5, '{}', 'x', 1)`);
    const queue = new JobQueue({ store, write: api.write });
    expect(await queue.recover()).toBe(1);
    expect(await job('JOLD')).toMatchObject({ state: 'failed', error: { code: 'INTERRUPTED' } });
    expect((await api.app.request('/api/v1/jobs/NOPE', { headers: auth('analyst') })).status).toBe(404);
  }, 300_000);
});
