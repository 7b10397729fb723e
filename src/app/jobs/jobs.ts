import { randomUUID } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { AnalyticsStore } from '../../store/port.ts';
import { requireWritable } from '../../store/access.ts';
import { StoreError } from '../../store/errors.ts';
import { TenureError } from '../errors.ts';
import { discoverDataset } from '../import/discover.ts';
import { importDataset } from '../import/import-dataset.ts';
import { trainChurnModel } from '../churn-model/train.ts';
import { scoreCustomers } from '../churn-model/score.ts';

/**
 * Long jobs of the HTTP API (import, train, score): one at a time per store, in a queue, each
 * on a writable session of its own so that the requests' read sessions are never blocked (the
 * engine's MVCC lets them read the last committed state while the job's transaction runs).
 * Every job is a row of api_jobs (migration 14): queued → running → succeeded | failed, with
 * progress, timestamps and the result summary or the coded error. A job that was queued or
 * running when the server stopped is failed with INTERRUPTED at the next start.
 */
export const JOB_KINDS = ['import', 'train', 'score'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ImportJobParams {
  /** A folder inside the data root, relative to it. */
  readonly path: string;
  readonly prepare?: boolean;
}
export interface TrainJobParams {
  readonly horizon?: number;
  readonly as_of?: string;
  readonly max_train_rows?: number;
}
export interface ScoreJobParams {
  readonly as_of?: string;
  readonly lang?: 'zh' | 'en';
}
export type JobParams = ImportJobParams | TrainJobParams | ScoreJobParams;

export interface JobRecord {
  readonly job_id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  /** 0–1. */
  readonly progress: number;
  readonly params: Record<string, unknown>;
  readonly created_by: string;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly result: Record<string, unknown> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * The folder an import job may read: `given` resolved inside `root`, symbolic links followed,
 * and refused when it lands outside (`..`, an absolute path elsewhere, a link out of the root).
 */
export function folderInsideRoot(root: string | undefined, given: string): string {
  if (root === undefined) throw new TenureError('USAGE', 'imports over the API need a data root: start the server with tenure serve --data-root DIR');
  if (given.includes('\0')) throw new TenureError('USAGE', 'the path holds a NUL character');
  const realRoot = realpathSync(root);
  const candidate = isAbsolute(given) ? given : resolve(realRoot, given);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new TenureError('FILE_NOT_FOUND', `no folder ${JSON.stringify(given)} under the data root`);
  }
  const rel = relative(realRoot, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new TenureError('USAGE', `the path ${JSON.stringify(given)} is outside the data root`);
  if (!statSync(real).isDirectory()) throw new TenureError('USAGE', `the path ${JSON.stringify(given)} is not a folder`);
  return real;
}

const iso = (ms: number | null | bigint) => (ms === null ? null : new Date(Number(ms)).toISOString());

type JobRow = {
  job_id: string;
  kind: string;
  state: string;
  progress: number;
  params: string;
  created_by: string;
  created_ms: number | bigint;
  started_ms: number | bigint | null;
  finished_ms: number | bigint | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
};

function recordOf(r: JobRow): JobRecord {
  return {
    job_id: r.job_id,
    kind: r.kind as JobKind,
    state: r.state as JobState,
    progress: Number(r.progress),
    params: JSON.parse(r.params) as Record<string, unknown>,
    created_by: r.created_by,
    created_at: iso(r.created_ms) as string,
    started_at: iso(r.started_ms),
    finished_at: iso(r.finished_ms),
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
  };
}

const COLUMNS = 'job_id, kind, state, progress, params, created_by, created_ms, started_ms, finished_ms, result, error_code, error_message';

export async function getJob(store: AnalyticsStore, jobId: string): Promise<JobRecord> {
  const [row] = await store.query<JobRow>(`SELECT ${COLUMNS} FROM api_jobs WHERE job_id = CAST($1 AS VARCHAR)`, [jobId]);
  if (!row) throw new TenureError('NO_DATA', `no job ${jobId}`);
  return recordOf(row);
}

/** Jobs newest first, with their total. */
export async function listJobs(store: AnalyticsStore, page: { offset: number; limit: number; state?: JobState; kind?: JobKind }): Promise<{ total: number; jobs: JobRecord[] }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (page.state !== undefined) {
    params.push(page.state);
    where.push(`state = CAST($${params.length} AS VARCHAR)`);
  }
  if (page.kind !== undefined) {
    params.push(page.kind);
    where.push(`kind = CAST($${params.length} AS VARCHAR)`);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [n] = await store.query<{ n: number | bigint }>(`SELECT count(*) AS n FROM api_jobs ${w}`, params);
  const rows = await store.query<JobRow>(
    `SELECT ${COLUMNS} FROM api_jobs ${w} ORDER BY created_ms DESC, job_id DESC LIMIT CAST($${params.length + 1} AS BIGINT) OFFSET CAST($${params.length + 2} AS BIGINT)`,
    [...params, page.limit, page.offset],
  );
  return { total: Number(n?.n ?? 0), jobs: rows.map(recordOf) };
}

/** A coded error as a job keeps it; anything else is an internal error (its text stays in the server log). */
function codedError(err: unknown): { code: string; message: string; unexpected: boolean } {
  if (err instanceof TenureError) return { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message, unexpected: err.code === 'INTERNAL' };
  if (err instanceof StoreError) return { code: err.code, message: 'store error', unexpected: false };
  return { code: 'INTERNAL', message: 'internal error; the server log has the details under the job id', unexpected: true };
}

export interface JobQueueOptions {
  /** The server's store (writable): the jobs' sessions are opened on it. */
  readonly store: AnalyticsStore;
  /** Serialised small writes of the server (the job rows go through it, like the audit trail). */
  readonly write: <T>(fn: (store: AnalyticsStore) => Promise<T>) => Promise<T>;
  readonly dataRoot?: string;
  readonly now?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Least time between two progress writes of a running job (default 1 s). */
  readonly progressEveryMs?: number;
}

/** The queue: one job runs at a time; the rest wait in submission order. */
export class JobQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly now: () => number;

  constructor(private readonly o: JobQueueOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** Jobs a previous server left queued or running can never finish: they are failed as interrupted. */
  async recover(): Promise<number> {
    const now = this.now();
    return this.o.write(async (store) => {
      const [n] = await store.query<{ n: number | bigint }>(`SELECT count(*) AS n FROM api_jobs WHERE state IN ('queued', 'running')`);
      await store.run(
        `UPDATE api_jobs SET state = 'failed', finished_ms = CAST($1 AS BIGINT), error_code = 'INTERRUPTED', error_message = 'the server stopped before the job finished'
         WHERE state IN ('queued', 'running')`,
        [now],
      );
      return Number(n?.n ?? 0);
    });
  }

  /** Jobs waiting or running in this process. */
  busy(): number {
    return this.pending;
  }

  /** Resolves when every job submitted so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Checks the job's parameters, keeps it queued and starts it when the jobs before it are done. */
  async submit(kind: JobKind, params: JobParams, actor: string): Promise<JobRecord> {
    requireWritable(this.o.store, `the ${kind} job`);
    // Checked now, so that a bad path is the request's 400, not a failed job.
    const folder = kind === 'import' ? folderInsideRoot(this.o.dataRoot, (params as ImportJobParams).path) : null;
    const jobId = `J${this.now().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const created = this.now();
    await this.o.write((store) =>
      store.run(
        `INSERT INTO api_jobs (${COLUMNS}) VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), 'queued', 0, CAST($3 AS VARCHAR), CAST($4 AS VARCHAR), CAST($5 AS BIGINT), NULL, NULL, NULL, NULL, NULL)`,
        [jobId, kind, JSON.stringify(params), actor, created],
      ),
    );
    this.pending++;
    this.tail = this.tail.then(() => this.run(jobId, kind, params, folder)).finally(() => {
      this.pending--;
    });
    // The job as kept at submission (it may have started by the time the caller reads it).
    const record: JobRecord = {
      job_id: jobId,
      kind,
      state: 'queued',
      progress: 0,
      params: { ...params },
      created_by: actor,
      created_at: new Date(created).toISOString(),
      started_at: null,
      finished_at: null,
      result: null,
      error: null,
    };
    return record;
  }

  private async update(jobId: string, set: string, params: (string | number | null)[]): Promise<void> {
    await this.o.write((store) => store.run(`UPDATE api_jobs SET ${set} WHERE job_id = CAST($1 AS VARCHAR)`, [jobId, ...params]));
  }

  private async run(jobId: string, kind: JobKind, params: JobParams, folder: string | null): Promise<void> {
    await this.update(jobId, `state = 'running', started_ms = CAST($2 AS BIGINT)`, [this.now()]);
    let lastWrite = 0;
    let writing: Promise<void> = Promise.resolve();
    const progress = (fraction: number) => {
      const t = this.now();
      if (t - lastWrite < (this.o.progressEveryMs ?? 1000)) return;
      lastWrite = t;
      const p = Math.max(0, Math.min(0.99, fraction));
      writing = writing.then(() => this.update(jobId, `progress = CAST($2 AS ${this.o.store.dialect.double})`, [p])).catch(() => undefined);
    };
    const session = await this.o.store.openSession('read-write');
    try {
      const result = await this.execute(session, kind, params, folder, progress);
      await writing;
      await this.update(jobId, `state = 'succeeded', progress = 1, finished_ms = CAST($2 AS BIGINT), result = CAST($3 AS VARCHAR)`, [this.now(), JSON.stringify(result)]);
    } catch (err) {
      await writing;
      const e = codedError(err);
      if (e.unexpected) this.o.log?.({ level: 'error', job_id: jobId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      await this.update(jobId, `state = 'failed', finished_ms = CAST($2 AS BIGINT), error_code = CAST($3 AS VARCHAR), error_message = CAST($4 AS VARCHAR)`, [this.now(), e.code, e.message]).catch(() => undefined);
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  private async execute(store: AnalyticsStore, kind: JobKind, params: JobParams, folder: string | null, progress: (f: number) => void): Promise<Record<string, unknown>> {
    if (kind === 'import') {
      const p = params as ImportJobParams;
      const files = discoverDataset(folder as string).files.length || 1;
      const done = new Set<string>();
      const report = await importDataset(store, folder as string, {
        prepareAnalytics: p.prepare !== false,
        onProgress: (x) => {
          if (x.phase === 'done') done.add(x.file);
          const within = x.totalBytes ? Math.min(1, (x.bytesRead ?? 0) / x.totalBytes) : 0;
          progress((done.size + (x.phase === 'done' ? 0 : within * 0.5)) / files);
        },
      });
      return {
        run_id: report.runId,
        rejected: report.rejected,
        files: report.files.map((f) => ({ file: f.file, status: f.status, read: f.read, accepted: f.accepted, rejected: f.rejected, inserted: f.inserted, updated: f.updated, unchanged: f.unchanged, errors: f.errors })),
        analytics_months: report.analytics?.months ?? null,
      };
    }
    if (kind === 'train') {
      const p = params as TrainJobParams;
      let lines = 0;
      const trained = await trainChurnModel(store, {
        ...(p.horizon === undefined ? {} : { horizon: p.horizon }),
        ...(p.as_of === undefined ? {} : { asOf: p.as_of }),
        ...(p.max_train_rows === undefined ? {} : { maxTrainRows: p.max_train_rows }),
        log: () => progress(1 - 1 / (1 + ++lines / 4)),
      });
      return { model_version: trained.modelVersion, ...trained.metrics };
    }
    const p = params as ScoreJobParams;
    const run = await scoreCustomers(store, { ...(p.as_of === undefined ? {} : { asOf: p.as_of }), lang: p.lang ?? 'zh' });
    return { as_of: run.asOf, model_version: run.modelVersion, scored: run.scores.length };
  }
}
