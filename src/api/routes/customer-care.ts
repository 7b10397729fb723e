import { createRoute, z } from '@hono/zod-openapi';
import { careCalendar } from '../../app/care/care.ts';
import { careJson } from '../../app/care/care-json.ts';
import { DEFAULT_CONTACT_POLICY } from '../../domain/care/contact-policy.ts';
import { SECURED, need, type Api } from '../app.ts';
import { Day, Id, json, labelLang, Lang } from './read-kit.ts';

/**
 * One customer's care dates (the agent's 360 page): the care calendar of the window under the
 * default contact policy, as GET /api/v1/care computes it for everyone, for this customer only.
 * Needs customer:read only (one customer at a time), unlike the whole calendar (customer:list).
 */
export function customerCareRoutes(api: Api): void {
  api.app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/care',
      summary: "one customer's occasions in the care calendar (as `tenure care --json` cut to the customer; the default contact policy)",
      security: SECURED,
      middleware: [need(api, 'customer:read')],
      request: { params: z.object({ id: Id }), query: z.object({ from: Day.optional(), to: Day.optional(), lang: Lang }) },
      responses: json("the customer's care dates"),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      // Only this customer's occasions are made (a customer's plan depends on nothing else).
      const cal = careJson(await careCalendar(await c.get('reader')(), { policy: DEFAULT_CONTACT_POLICY, lang: labelLang(q.lang), from: q.from, to: q.to, customer: id }));
      const occasions = cal.occasions;
      return c.json({ customer_id: id, from: cal.from, to: cal.to, policy: cal.policy, occasions }, 200);
    },
  );
}
