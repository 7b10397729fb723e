import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCaptured as run } from '../test-support.ts';
import { consoleDirectory } from './serve.ts';
import { firstRunAccount, listUsers } from '../../app/auth/accounts.ts';
import { listAudit } from '../../app/auth/audit.ts';
import { openStore } from '../../app/store.ts';

/**
 * `npm start -- --serve` (issue 16: the console after the README's two commands): the main job,
 * then the console and the API on the store it filled, with a first admin account whose password
 * is shown once. Run as a user would, in a child process, stopped with SIGTERM.
 */
const BIN = resolve('bin/tenure.js');
const dir = mkdtempSync(join(tmpdir(), 'tenure-start-serve-'));
let child: ChildProcessWithoutNullStreams | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the child's standard error once `pattern` shows up in it. */
function waitFor(proc: ChildProcessWithoutNullStreams, pattern: RegExp, ms: number): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`no ${pattern} within ${ms} ms; stderr so far:\n${text}`)), ms);
    proc.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) {
        clearTimeout(timer);
        done(text);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code} before ${pattern}; stderr:\n${text}`));
    });
  });
}

describe('tenure start --serve', () => {
  it('runs the main job, then serves the console with a first admin account shown once', { timeout: 180_000 }, async () => {
    const data = join(dir, 'data');
    expect((await run(['demo', '--out', data, '--customers', '300', '--months', '12', '--seed', '3'])).code).toBe(0);
    const db = join(dir, 'start.duckdb');
    const proc = spawn(process.execPath, [BIN, 'start', '--data', data, '--db', db, '--serve', '--port', '0', '--lang', 'en'], {
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    let stdout = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const stderr = await waitFor(proc, /Ctrl-C stops the server/, 150_000);
    // The main job's report came first.
    expect(stdout).toContain('opening');
    const url = /web console: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
    const password = /first account: user admin, password (\S+) \(shown once/.exec(stderr)?.[1];
    expect(url).toBeDefined();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const login = await fetch(`${url}api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const totals = await fetch(`${url}api/v1/reports/churn-totals`, { headers: { cookie } });
    expect(totals.status).toBe(200);
    const rows = (await totals.json()) as { month: string; opening: number }[];
    expect(rows.length).toBe(12);
    expect(rows[0]).toHaveProperty('opening');
    // A wrong password stays a wrong password.
    const wrong = await fetch(`${url}api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: `${password}x` }) });
    expect(wrong.status).toBe(401);

    const index = join(consoleDirectory() ?? '', 'index.html');
    if (existsSync(index) || process.env.CI === 'true') {
      const page = await fetch(url ?? '');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    }

    const exited = new Promise<number | null>((done) => proc.on('exit', done));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = null;

    // The account is audited and stored as a hash only.
    const store = await openStore(db, { access: 'read-only' });
    try {
      expect(await listUsers(store)).toEqual([{ username: 'admin', role: 'admin', disabled: false }]);
      const trail = await listAudit(store, { limit: 100, action: 'user_add' });
      expect(trail.map((r) => r.target)).toEqual(['admin']);
      const [hash] = await store.query<{ h: string }>('SELECT password_hash AS h FROM api_users');
      expect(hash?.h).not.toContain(password ?? '');
    } finally {
      await store.close();
    }
  });

  it('a store that has an account gets no other', async () => {
    const store = await openStore(join(dir, 'other.duckdb'), { access: 'read-write', create: true });
    try {
      const first = await firstRunAccount(store, 'cli:test');
      expect(first?.username).toBe('admin');
      expect(await firstRunAccount(store, 'cli:test')).toBeNull();
      expect((await listUsers(store)).length).toBe(1);
    } finally {
      await store.close();
    }
  });
});
