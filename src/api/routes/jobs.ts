import { createRoute, z } from '@hono/zod-openapi';
import { getJob, JOB_KINDS, JobQueue, listJobs, type JobKind, type JobParams } from '../../app/jobs/jobs.ts';
import { SECURED, actorOf, need, type Api } from '../app.ts';
import { Id, json, Month, pageHeaders, Paging, whole } from './read-kit.ts';

/**
 * Long jobs over HTTP: POST /api/v1/jobs/{import|train|score} queues one (jobs:run; a cookie
 * session sends the CSRF header; audited) and answers 202 with the job; GET /api/v1/jobs/{id}
 * gives its state, progress, timestamps and result or coded error; GET /api/v1/jobs lists them.
 * One job runs at a time per store; reads go on their own sessions meanwhile.
 */
const queues = new WeakMap<Api, JobQueue>();

/** The server's job queue (for a graceful stop, which waits for the running job). */
export function jobsOf(api: Api): JobQueue | undefined {
  return queues.get(api);
}

const Job = z
  .object({
    job_id: z.string(),
    kind: z.enum(JOB_KINDS),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.number(),
    params: z.record(z.string(), z.unknown()),
    created_by: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi('Job');

const BODIES: Record<JobKind, z.ZodType> = {
  import: z.object({ path: z.string().min(1).max(1024), prepare: z.boolean().optional() }).strict(),
  train: z.object({ horizon: z.number().int().min(1).max(24).optional(), as_of: Month.optional(), max_train_rows: z.number().int().min(1).max(100_000_000).optional() }).strict(),
  score: z.object({ as_of: Month.optional(), lang: z.enum(['zh-CN', 'en']).optional() }).strict(),
};

const SUMMARY: Record<JobKind, string> = {
  import: 'queue an import of a folder under the server\'s data root (tenure serve --data-root); 202 with the job',
  train: 'queue training of the churn model on the store (as `tenure model train`); 202 with the job',
  score: 'queue scoring of the active base with the latest model (as `tenure score`); 202 with the job',
};

export function jobRoutes(api: Api, options: { dataRoot?: string | undefined } = {}): JobQueue {
  const { app } = api;
  const queue = new JobQueue({ store: api.deps.store, write: api.write, dataRoot: options.dataRoot, now: api.now, log: api.deps.log });
  queues.set(api, queue);

  for (const kind of JOB_KINDS) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/v1/jobs/${kind}`,
        summary: SUMMARY[kind],
        security: SECURED,
        middleware: [need(api, 'jobs:run')],
        request: { body: { required: true, content: { 'application/json': { schema: BODIES[kind] } } } },
        responses: { ...json('the job, queued', Job), 202: { description: 'the job, queued', content: { 'application/json': { schema: Job } } } },
      }),
      async (c) => {
        const body = c.req.valid('json') as Record<string, unknown>;
        const p = c.get('principal');
        const params = (kind === 'score' && body.lang !== undefined ? { ...body, lang: body.lang === 'en' ? 'en' : 'zh' } : body) as JobParams;
        try {
          const job = await queue.submit(kind, params, actorOf(p));
          await api.audit({ actor: actorOf(p), action: `job_${kind}`, target: job.job_id, outcome: 'ok', source: c.get('client'), detail: JSON.stringify(params) });
          c.header('Location', `/api/v1/jobs/${job.job_id}`);
          return c.json(job, 202);
        } catch (err) {
          await api.audit({ actor: actorOf(p), action: `job_${kind}`, outcome: 'denied', source: c.get('client'), detail: JSON.stringify(params).slice(0, 500) });
          throw err;
        }
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}',
      summary: 'one job: state (queued, running, succeeded, failed), progress 0–1, timestamps, the result summary or the coded error',
      security: SECURED,
      middleware: [need(api, 'jobs:run')],
      request: { params: z.object({ id: Id }) },
      responses: json('the job', Job),
    }),
    async (c) => c.json(await getJob(await c.get('reader')(), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/jobs',
      summary: 'the jobs, newest first (paged)',
      security: SECURED,
      middleware: [need(api, 'jobs:run')],
      request: { query: z.object({ state: z.enum(['queued', 'running', 'succeeded', 'failed']).optional(), kind: z.enum(JOB_KINDS).optional(), offset: Paging.offset, limit: whole(1, 1000).default(100) }) },
      responses: json('the jobs', z.array(Job)),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await listJobs(await c.get('reader')(), q);
      pageHeaders(c, r.total, q.offset, q.limit);
      return c.json(r.jobs, 200);
    },
  );
  return queue;
}
