import { createRoute, z } from '@hono/zod-openapi';
import { buildWarningList, saveWarningList } from '../../app/warn/warn.ts';
import { listHeader, savedListJson } from '../../app/warn/warn-json.ts';
import { STAGES } from '../../domain/lifecycle/stages.ts';
import { QUADRANTS } from '../../domain/value/matrix.ts';
import { TIERS } from '../../domain/value/tiers.ts';
import { ERROR_RESPONSES, SECURED, actorOf, need, type Api } from '../app.ts';
import { Currency, Json, Lang, Month } from './read-kit.ts';

const printable = (t: string) => ![...t].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20);

const SaveRequest = z
  .object({
    name: z.string().min(1).max(60).refine(printable, 'printable text'),
    as_of: Month.optional(),
    min_probability: z.number().min(0).max(1).optional(),
    min_value: z.number().min(-1e12).max(1e12).optional(),
    stage: z.array(z.enum(STAGES)).max(STAGES.length).optional(),
    quadrant: z.array(z.enum(QUADRANTS)).max(QUADRANTS.length).optional(),
    tier: z.array(z.enum(TIERS)).max(TIERS.length).optional(),
    segment: z.string().min(1).max(100).refine(printable, 'printable text').optional(),
    region: z.string().min(1).max(100).refine((t) => t.trim() !== '' && printable(t), 'a region, e.g. 甘肃 or 甘肃/酒泉').optional(),
    top: z.number().int().min(1).max(10_000_000).optional(),
    lang: Lang,
    currency: Currency.optional(),
  })
  .openapi('WarnSaveRequest');

const Saved = z.object({ saved_list: Json, header: Json }).openapi('WarnSaved');

/**
 * POST a warning list to keep (as `tenure warn --save NAME`): the list is built with the filters
 * of GET /api/v1/warn and kept dated and frozen under a new id (WL1, WL2, …) that a campaign
 * design can target. Needs customer:list and the CSRF header; audited.
 */
export function warnSaveRoutes(api: Api): void {
  api.app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/warn/lists',
      summary: 'saves the early-warning list of these filters, dated and frozen, under a new id (as `tenure warn --save NAME`); audited',
      security: SECURED,
      middleware: [need(api, 'customer:list')],
      request: { body: { required: true, content: { 'application/json': { schema: SaveRequest } } } },
      responses: { 201: { description: 'saved', content: { 'application/json': { schema: Saved } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const p = c.get('principal');
      const saved = await api
        .write(async (store) => {
          const list = await buildWarningList(store, {
            asOf: b.as_of,
            minProbability: b.min_probability,
            minValue: b.min_value,
            stages: b.stage,
            quadrants: b.quadrant,
            tiers: b.tier,
            segment: b.segment,
            region: b.region,
            top: b.top,
          });
          return { list, saved: await saveWarningList(store, list, b.name) };
        })
        .catch(async (err: unknown) => {
          await api.audit({ actor: actorOf(p), action: 'warn_save', target: b.name, outcome: 'failed', source: c.get('client'), detail: err instanceof Error ? err.message.slice(0, 200) : 'failed' });
          throw err;
        });
      const s = saved.saved;
      await api.audit({ actor: actorOf(p), action: 'warn_save', target: s.listId, outcome: 'ok', source: c.get('client'), detail: JSON.stringify({ name: s.name, as_of: s.asOf, members: s.members, filters: s.filters }) });
      const out = { lang: b.lang, currency: b.currency ?? api.deps.currency ?? 'CNY' };
      return c.json({ saved_list: savedListJson(s), header: listHeader(saved.list, saved.list.listed, out) }, 201);
    },
  );
}
