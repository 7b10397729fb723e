import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { customer360 } from '../../app/customer/customer360.ts';
import { customerJson } from '../../app/customer/customer-json.ts';
import { nbaJson } from '../../app/nba/nba-json.ts';
import { nextBestAction } from '../../app/nba/nba.ts';
import { CHURN_REPORT_NAMES, churnReportJson, type ChurnReportName, type ChurnReportQuery } from '../../app/reports/catalogue.ts';
import type { RegionLevel } from '../../app/reports/churn-regions.ts';
import { latestScores, latestScoresPage, SCORE_COLUMNS } from '../../app/exports/scores.ts';
import { listAudit, verifyAudit } from '../../app/auth/audit.ts';
import { ALL_PERSONAL_DATA, NO_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import { ApiError } from '../errors.ts';
import { ERROR_RESPONSES, SECURED, actorOf, need, type Api } from '../app.ts';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month written YYYY-MM');
const Lang = z.enum(['zh-CN', 'en']).default('zh-CN');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code');
const CustomerId = z.string().min(1).max(64).refine((t) => ![...t].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20), 'printable text');
const Flag = z.enum(['true', 'false']).default('false');
const Json = z.record(z.string(), z.unknown());
const Paging = { offset: z.coerce.number().int().min(0).max(1_000_000).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) };

const json = (description: string, schema: z.ZodType = Json) => ({ 200: { description, content: { 'application/json': { schema } } }, ...ERROR_RESPONSES });

/** JSON list paging: the same rows as the CLI's --json, a slice of them, with the total and the next page in headers. */
function paged<T>(c: { header: (k: string, v: string) => void; req: { url: string } }, rows: readonly T[], offset: number, limit: number): T[] {
  c.header('X-Total-Count', String(rows.length));
  if (offset + limit < rows.length) {
    const next = new URL(c.req.url);
    next.searchParams.set('offset', String(offset + limit));
    next.searchParams.set('limit', String(limit));
    c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  return rows.slice(offset, offset + limit);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let text = String(v);
  // A spreadsheet runs a cell starting with = + - @ as a formula: neutralise text that is not a number.
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const reportKey = (name: ChurnReportName, query: ChurnReportQuery, currency: string) => JSON.stringify([name, query, currency]);

/** The reports the web console's dashboard opens (src/web/pages/Dashboard.tsx, whole data span, the province level), in both languages. */
const DASHBOARD_REPORTS: readonly [ChurnReportName, RegionLevel | undefined][] = [
  ['churn-totals', undefined],
  ['churn-reasons', undefined],
  ['churn-reason-groups', undefined],
  ['churn-regions', 'province'],
];

export function dataRoutes(api: Api): void {
  const { app } = api;
  const currencyOf = (given: string | undefined) => given ?? api.deps.currency ?? 'CNY';
  // Computed at the server's start and at every new data generation, so the dashboard's first paint does not wait on them (app/serving).
  for (const lang of ['zh', 'en'] as const) {
    for (const [name, level] of DASHBOARD_REPORTS) {
      const query: ChurnReportQuery = { ...(level === undefined ? {} : { level }), lang };
      const currency = currencyOf(undefined);
      api.serving.prefetch('report', reportKey(name, query, currency), (store) => churnReportJson(store, name, query, currency));
    }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/reports/{name}',
      summary: 'a churn report (the rows of `tenure report NAME --json`), paged',
      security: SECURED,
      middleware: [need(api, 'reports:read')],
      request: {
        params: z.object({ name: z.enum(CHURN_REPORT_NAMES) }),
        query: z.object({ from: Month.optional(), to: Month.optional(), level: z.enum(['province', 'city', 'district']).optional(), lang: Lang, currency: Currency.optional(), ...Paging }),
      },
      responses: json('report rows', z.array(Json)),
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const q = c.req.valid('query');
      const query = { ...(q.from === undefined ? {} : { from: q.from }), ...(q.to === undefined ? {} : { to: q.to }), ...(q.level === undefined ? {} : { level: q.level }), lang: q.lang === 'en' ? ('en' as const) : ('zh' as const) };
      const currency = currencyOf(q.currency);
      // Kept per data generation: the same report with the same parameters is computed once.
      const rows = await api.serving.memo(await c.get('lease')(), 'report', reportKey(name, query, currency), (store) => churnReportJson(store, name, query, currency));
      return c.json(paged(c, rows, q.offset, q.limit), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}',
      summary: 'the 360° view of one customer (as `tenure customer ID --json`); personal data masked unless unmask=true and the role may (audited)',
      security: SECURED,
      middleware: [need(api, 'customer:read')],
      request: { params: z.object({ id: CustomerId }), query: z.object({ as_of: Month.optional(), unmask: Flag, lang: Lang, currency: Currency.optional() }) },
      responses: json('the 360 view'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const p = c.get('principal');
      const unmask = q.unmask === 'true';
      if (unmask && !p.permissions.has('pii:unmask')) {
        await api.audit({ actor: actorOf(p), action: 'pii_view', target: id, outcome: 'denied', source: c.get('client'), detail: `role ${p.role} lacks pii:unmask` });
        throw new ApiError('FORBIDDEN', `role ${p.role} may not see personal data unmasked`);
      }
      const lease = await c.get('lease')();
      // Base-wide parts (month, stage and value keys, medians) kept per data generation; the customer's own rows read now.
      const base = await api.serving.customer360Base(lease, q.as_of);
      const view = await customer360(lease.session, { customerId: id, ...(q.as_of === undefined ? {} : { asOf: q.as_of }), rights: unmask ? ALL_PERSONAL_DATA : NO_PERSONAL_DATA }, base ?? undefined);
      if (unmask) await api.audit({ actor: actorOf(p), action: 'pii_view', target: id, outcome: 'ok', source: c.get('client') });
      return c.json(customerJson(view, { currency: currencyOf(q.currency), lang: q.lang }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/nba',
      summary: 'the next best action for one customer now (as `tenure nba ID --json`)',
      security: SECURED,
      middleware: [need(api, 'customer:read')],
      request: { params: z.object({ id: CustomerId }), query: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD').optional(), lang: Lang }) },
      responses: json('the next best action'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      // The context of the whole base is the server's, per data generation (app/serving); the call reads this customer.
      const ctx = await api.serving.nbaContext(await c.get('lease')());
      const r = await nextBestAction(ctx, id, { lang: q.lang === 'en' ? 'en' : 'zh', ...(q.date === undefined ? {} : { date: q.date }) });
      return c.json(nbaJson(r), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/scores',
      summary: "the latest scoring run's churn scores, a page at a time in customer_id order (after = last id of the previous page)",
      security: SECURED,
      middleware: [need(api, 'customer:list')],
      request: { query: z.object({ after: CustomerId.optional(), limit: Paging.limit }) },
      responses: json('scores', z.object({ rows: z.array(Json), next_after: z.string().nullable() })),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await latestScoresPage(await c.get('reader')(), { ...(q.after === undefined ? {} : { after: q.after }), limit: q.limit });
      return c.json({ rows, next_after: rows.length === q.limit ? (rows[rows.length - 1]?.customer_id ?? null) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/exports/scores',
      summary: "bulk export of the latest scoring run, streamed as CSV or NDJSON (needs export:bulk; audited)",
      security: SECURED,
      middleware: [need(api, 'export:bulk')],
      request: { query: z.object({ format: z.enum(['csv', 'ndjson']).default('ndjson') }) },
      responses: {
        200: { description: 'the rows', content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } } },
        ...ERROR_RESPONSES,
      },
    }),
    async (c) => {
      const { format } = c.req.valid('query');
      const p = c.get('principal');
      await api.audit({ actor: actorOf(p), action: 'export', target: 'scores', outcome: 'ok', source: c.get('client'), detail: format });
      c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      c.header('Content-Disposition', `attachment; filename="scores.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      // The stream outlives the handler (and the request's session): it reads through a session of its own.
      return stream(c, async (s) => {
        const store = await api.deps.store.openSession('read-only');
        try {
          if (format === 'csv') await s.write(`${SCORE_COLUMNS.join(',')}\n`);
          for await (const page of latestScores(store)) {
            if (s.aborted) break;
            const text = page.map((r) => (format === 'csv' ? SCORE_COLUMNS.map((k) => csvCell(r[k])).join(',') : JSON.stringify(r))).join('\n');
            await s.write(`${text}\n`);
          }
        } finally {
          await store.close();
        }
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'the audit trail, in sequence order (after = the last seq of the previous page)',
      security: SECURED,
      middleware: [need(api, 'audit:read')],
      request: { query: z.object({ after: z.coerce.number().int().min(0).default(0), limit: Paging.limit, actor: z.string().max(128).optional(), action: z.string().max(64).optional() }) },
      responses: json('audit rows', z.array(Json)),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listAudit(await c.get('reader')(), { after: q.after, limit: q.limit, ...(q.actor === undefined ? {} : { actor: q.actor }), ...(q.action === undefined ? {} : { action: q.action }) });
      return c.json(rows, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/verify',
      summary: 'checks the hash chain of the whole audit trail',
      security: SECURED,
      middleware: [need(api, 'audit:read')],
      responses: json('the verdict', z.object({ rows: z.number(), ok: z.boolean(), broken_at: z.number().nullable(), reason: z.string().nullable() })),
    }),
    async (c) => c.json(await verifyAudit(await c.get('reader')()), 200),
  );
}
