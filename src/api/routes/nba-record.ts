import { createRoute, z } from '@hono/zod-openapi';
import { nbaContext, NBA_OUTCOMES, recordNbaOutcome } from '../../app/nba/nba.ts';
import { operatorTimezone } from '../../app/import/import-dataset.ts';
import { DEFAULT_CONTACT_POLICY } from '../../domain/care/contact-policy.ts';
import { ERROR_RESPONSES, SECURED, actorOf, need, type Api } from '../app.ts';

const Outcome = z
  .object({
    outcome: z.enum(NBA_OUTCOMES),
    offer_id: z.string().min(1).max(64).optional(),
    channel: z.string().min(1).max(32).optional(),
    ts: z.string().min(10).max(40).optional(),
  })
  .openapi('NbaOutcome');

const Recorded = z
  .object({
    customer_id: z.string(),
    campaign_id: z.string(),
    arm: z.string(),
    ts: z.string(),
    response: z.enum(['accepted', 'declined']).nullable(),
    holdout: z.boolean(),
    contamination: z.boolean(),
    new_campaign: z.boolean(),
  })
  .openapi('NbaRecorded');

/** POST the agent's outcome of a next best action (as `tenure nba record`): needs nba:record and the CSRF header; audited. */
export function nbaRecordRoutes(api: Api): void {
  api.app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/customers/{id}/nba/outcome',
      summary: "records the agent's outcome of the next best action in the month's NBA campaign (as `tenure nba record`); audited",
      security: SECURED,
      middleware: [need(api, 'nba:record')],
      request: {
        params: z.object({ id: z.string().min(1).max(64).refine((t) => ![...t].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20), 'printable text') }),
        body: { required: true, content: { 'application/json': { schema: Outcome } } },
      },
      responses: { 200: { description: 'recorded', content: { 'application/json': { schema: Recorded } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const p = c.get('principal');
      const r = await api
        .write(async (store) =>
          recordNbaOutcome(await nbaContext(store, { policy: DEFAULT_CONTACT_POLICY, timezone: operatorTimezone() }), {
            customerId: id,
            outcome: body.outcome,
            ...(body.offer_id === undefined ? {} : { offerId: body.offer_id }),
            ...(body.channel === undefined ? {} : { channel: body.channel }),
            ...(body.ts === undefined ? {} : { ts: body.ts }),
          }),
        )
        .catch(async (err: unknown) => {
          await api.audit({ actor: actorOf(p), action: 'nba_record', target: id, outcome: 'failed', source: c.get('client'), detail: body.outcome });
          throw err;
        });
      await api.audit({ actor: actorOf(p), action: 'nba_record', target: id, outcome: 'ok', source: c.get('client'), detail: `${body.outcome} ${r.arm} in ${r.campaignId}` });
      return c.json({ customer_id: r.customerId, campaign_id: r.campaignId, arm: r.arm, ts: r.ts, response: r.response, holdout: r.holdout, contamination: r.contamination, new_campaign: r.newCampaign }, 200);
    },
  );
}
