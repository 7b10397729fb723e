import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { buildWarningList, savedList, savedLists, warningRows, type ListSource } from '../../app/warn/warn.ts';
import { listHeader, savedListJson, warnJsonRow } from '../../app/warn/warn-json.ts';
import { careCalendar, MAX_CARE_DAYS } from '../../app/care/care.ts';
import { CARE_COLUMNS, careIcs, careJson, careRowJson } from '../../app/care/care-json.ts';
import { operatorToday, pointsBalance, pointsExpiring, pointsStatement } from '../../app/points/ledger.ts';
import { maskedStatement, pointsBalanceJson, pointsExpiringJson, pointsStatementJson } from '../../app/points/points-json.ts';
import { winback } from '../../app/winback/winback.ts';
import { winbackJson } from '../../app/winback/winback-json.ts';
import { STAGES } from '../../domain/lifecycle/stages.ts';
import { QUADRANTS } from '../../domain/value/matrix.ts';
import { TIERS } from '../../domain/value/tiers.ts';
import { DEFAULT_CONTACT_POLICY } from '../../domain/care/contact-policy.ts';
import { ALL_PERSONAL_DATA, NO_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import type { ShownLang } from '../../domain/numeric/shown.ts';
import type { AnalyticsStore } from '../../app/store.ts';
import { ApiError } from '../errors.ts';
import { ERROR_RESPONSES, SECURED, actorOf, need, type Api } from '../app.ts';
import { csvText, Currency, Day, Id, json, labelLang, Lang, Month, pageHeaders, paged, Paging, whole } from './read-kit.ts';

/**
 * Lists of customers (customer:list) and one customer's points (customer:read): the early-warning
 * list with the `tenure warn` filters and the saved lists, the care calendar (and its CSV /
 * iCalendar export, export:bulk, audited), points balance, statement and expiring, the win-back
 * list. Bodies are the CLI's --json documents with the customer rows a page at a time
 * (X-Total-Count, Link rel="next").
 */
const commaList = <T extends string>(codes: readonly T[]) =>
  z
    .string()
    .max(200)
    .transform((t, ctx) => {
      const out: T[] = [];
      for (const raw of t.split(',')) {
        const item = raw.trim();
        const code = codes.find((c) => c === item || c === item.toUpperCase() || c === item.toLowerCase());
        if (code === undefined) {
          ctx.addIssue({ code: 'custom', message: `one or more of ${codes.join(', ')}, comma-separated` });
          return z.NEVER;
        }
        if (!out.includes(code)) out.push(code);
      }
      return out;
    });

export function listRoutes(api: Api): void {
  const { app } = api;
  const currencyOf = (given: string | undefined) => given ?? api.deps.currency ?? 'CNY';
  const lists = { security: SECURED, middleware: [need(api, 'customer:list')] };

  /** The header of a list and one page of its rows. */
  const listPage = async (c: Parameters<typeof pageHeaders>[0], store: AnalyticsStore, source: ListSource, total: number, q: { offset: number; limit: number; lang: ShownLang; currency?: string | undefined }) => {
    pageHeaders(c, total, q.offset, q.limit);
    const n = Math.max(0, Math.min(q.limit, total - q.offset));
    const rows = n === 0 ? [] : await warningRows(store, source, q.offset, n);
    return rows.map((r) => warnJsonRow(r, { lang: q.lang, currency: currencyOf(q.currency) }));
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/warn',
      summary: 'the early-warning list ranked by expected loss, with the filters of `tenure warn` (as its --json; customers paged)',
      ...lists,
      request: {
        query: z.object({
          as_of: Month.optional(),
          min_probability: z.coerce.number().min(0).max(1).optional(),
          min_value: z.coerce.number().min(-1e12).max(1e12).optional(),
          stage: commaList(STAGES).optional(),
          quadrant: commaList(QUADRANTS).optional(),
          tier: commaList(TIERS).optional(),
          segment: z.string().min(1).max(100).optional(),
          region: z.string().min(1).max(100).refine((t) => t.trim() !== '', 'a region, e.g. 甘肃 or 甘肃/酒泉').optional(),
          top: whole(1, 10_000_000).optional(),
          lang: Lang,
          currency: Currency.optional(),
          ...Paging,
        }),
      },
      responses: json('the list'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const store = await c.get('reader')();
      const list = await buildWarningList(store, {
        asOf: q.as_of,
        minProbability: q.min_probability,
        minValue: q.min_value,
        stages: q.stage,
        quadrants: q.quadrant,
        tiers: q.tier,
        segment: q.segment,
        region: q.region,
        top: q.top,
      });
      const out = { lang: q.lang, currency: currencyOf(q.currency) };
      const customers = await listPage(c, store, { kind: 'built' }, list.listed, q);
      return c.json({ ...listHeader(list, list.listed, out), saved_list: null, out_file: null, customers }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/warn/lists',
      summary: 'the saved early-warning lists (as `tenure warn lists --json`)',
      ...lists,
      responses: json('the saved lists'),
    }),
    async (c) => c.json({ lists: (await savedLists(await c.get('reader')())).map(savedListJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/warn/lists/{id}',
      summary: 'a saved early-warning list exactly as it was saved (as `tenure warn show ID --json`; customers paged)',
      ...lists,
      request: { params: z.object({ id: Id }), query: z.object({ top: whole(1, 10_000_000).optional(), lang: Lang, currency: Currency.optional(), ...Paging }) },
      responses: json('the saved list'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const store = await c.get('reader')();
      const s = await savedList(store, id);
      const listed = q.top === undefined ? s.members : Math.min(q.top, s.members);
      const out = { lang: q.lang, currency: currencyOf(q.currency) };
      const customers = await listPage(c, store, { kind: 'saved', listId: s.listId }, listed, q);
      return c.json({ list: savedListJson(s), ...listHeader(s, listed, out), customers }, 200);
    },
  );

  const CareQuery = {
    from: Day.optional(),
    to: Day.optional(),
    segment: z.string().min(1).max(100).optional(),
    promotion: z.string().min(1).max(200).optional(),
    max_contacts: whole(0, 1000).default(DEFAULT_CONTACT_POLICY.maxContacts),
    fatigue_days: whole(0, MAX_CARE_DAYS).default(DEFAULT_CONTACT_POLICY.windowDays),
    unknown_consent: z.enum(['deny', 'allow']).default(DEFAULT_CONTACT_POLICY.unknownConsent),
    lang: Lang,
  };
  type CareQ = { from?: string | undefined; to?: string | undefined; segment?: string | undefined; promotion?: string | undefined; max_contacts: number; fatigue_days: number; unknown_consent: 'deny' | 'allow'; lang: ShownLang };
  const calendar = async (store: AnalyticsStore, q: CareQ) =>
    careCalendar(store, {
      policy: { maxContacts: q.max_contacts, windowDays: q.fatigue_days, unknownConsent: q.unknown_consent },
      lang: labelLang(q.lang),
      from: q.from,
      to: q.to,
      segment: q.segment,
      promotion: q.promotion,
    });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/care',
      summary: 'the care calendar: occasions for live customers under consent and the contact-fatigue limit (as `tenure care --json`; occasions paged)',
      ...lists,
      request: { query: z.object({ ...CareQuery, ...Paging }) },
      responses: json('the calendar'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const cal = await calendar(await c.get('reader')(), q);
      const j = careJson(cal);
      return c.json({ ...j, occasions: paged(c, j.occasions, q.offset, q.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/exports/care',
      summary: 'the care calendar as CSV or iCalendar (as `tenure care --out FILE.csv|.ics`; needs export:bulk; audited)',
      security: SECURED,
      middleware: [need(api, 'export:bulk')],
      request: { query: z.object({ ...CareQuery, format: z.enum(['csv', 'ics']).default('csv') }) },
      responses: { 200: { description: 'the calendar', content: { 'text/csv': { schema: z.string() }, 'text/calendar': { schema: z.string() } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const p = c.get('principal');
      const cal = await calendar(await c.get('reader')(), q);
      await api.audit({ actor: actorOf(p), action: 'export', target: 'care', outcome: 'ok', source: c.get('client'), detail: `${q.format} ${cal.from}..${cal.to}` });
      const text = q.format === 'ics' ? careIcs(cal, labelLang(q.lang)) : csvText(CARE_COLUMNS, cal.rows.map(careRowJson));
      c.header('Content-Type', q.format === 'ics' ? 'text/calendar; charset=utf-8' : 'text/csv; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="care-${cal.from}-${cal.to}.${q.format}"`);
      return stream(c, async (s) => {
        await s.write(text);
      });
    },
  );

  const AsOfDay = z.object({ as_of: Day.optional() });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/points',
      summary: "one customer's points balance at the end of a day and what expires when (as `tenure points balance ID --json`)",
      security: SECURED,
      middleware: [need(api, 'customer:read')],
      request: { params: z.object({ id: Id }), query: AsOfDay },
      responses: json('the balance'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      return c.json(pointsBalanceJson(await pointsBalance(await c.get('reader')(), id, q.as_of ?? operatorToday())), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/points/statement',
      summary: "one customer's ledger entries with the running balance (as `tenure points statement ID --json`); the operator's free-text reasons masked unless unmask=true and the role may (audited)",
      security: SECURED,
      middleware: [need(api, 'customer:read')],
      request: { params: z.object({ id: Id }), query: z.object({ as_of: Day.optional(), unmask: z.enum(['true', 'false']).default('false') }) },
      responses: json('the statement'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const p = c.get('principal');
      const unmask = q.unmask === 'true';
      if (unmask && !p.permissions.has('pii:unmask')) {
        await api.audit({ actor: actorOf(p), action: 'pii_view', target: id, outcome: 'denied', source: c.get('client'), detail: `points statement; role ${p.role} lacks pii:unmask` });
        throw new ApiError('FORBIDDEN', `role ${p.role} may not see personal data unmasked`);
      }
      const asOf = q.as_of ?? operatorToday();
      const lines = maskedStatement(await pointsStatement(await c.get('reader')(), id, asOf), unmask ? ALL_PERSONAL_DATA : NO_PERSONAL_DATA);
      if (unmask) await api.audit({ actor: actorOf(p), action: 'pii_view', target: id, outcome: 'ok', source: c.get('client'), detail: 'points statement' });
      return c.json(pointsStatementJson(id, asOf, lines), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/points/expiring',
      summary: 'customers whose points expire within N days after the as-of day, soonest first (as `tenure points expiring --json`; rows paged)',
      ...lists,
      request: { query: z.object({ within_days: whole(1, 9999), as_of: Day.optional(), ...Paging }) },
      responses: json('the expiring points'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const asOf = q.as_of ?? operatorToday();
      const j = pointsExpiringJson(asOf, q.within_days, await pointsExpiring(await c.get('reader')(), asOf, q.within_days));
      return c.json({ ...j, expiring: paged(c, j.expiring, q.offset, q.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/winback',
      summary: 'churned mid/high-value accounts worth winning back, and the observed win-back rates (as `tenure winback --json`; accounts paged)',
      ...lists,
      request: { query: z.object({ from: Month.optional(), to: Month.optional(), top: whole(0, 10_000_000).default(50), lang: Lang, currency: Currency.optional(), ...Paging }) },
      responses: json('the win-back report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await winback(await c.get('reader')(), { from: q.from, to: q.to, top: q.top });
      const j = winbackJson(r, { lang: q.lang, currency: currencyOf(q.currency) });
      return c.json({ ...j, accounts: paged(c, j.accounts, q.offset, q.limit) }, 200);
    },
  );
}
