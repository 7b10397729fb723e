import { createRoute, z } from '@hono/zod-openapi';
import { designCampaign } from '../../app/campaigns/design.ts';
import { campaignDesignAuditDetail, campaignDesignJson } from '../../app/campaigns/campaign-json.ts';
import { savedList, savedListMembers } from '../../app/warn/warn.ts';
import { TenureError } from '../../app/errors.ts';
import { parseArms } from '../../domain/campaigns/design.ts';
import { ERROR_RESPONSES, SECURED, actorOf, need, type Api } from '../app.ts';
import { Day, Json } from './read-kit.ts';

const Arm = z.object({ arm: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1–64 letters, digits, _ . or -'), share: z.number().gt(0).max(1) });

const DesignRequest = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1–64 letters, digits, _ . or -'),
    name: z.string().min(1).max(200).refine((t) => ![...t].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20), 'printable text').optional(),
    purpose: z.enum(['retention', 'winback', 'care', 'cross_sell', 'up_sell']).default('retention'),
    start: Day,
    assigned: Day.optional(),
    horizon: z.number().int().min(1).max(120).default(3),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
    target_list: z.string().regex(/^WL[0-9]{1,12}$/, 'a saved warning list id such as WL1'),
    arms: z.array(Arm).min(2).max(20),
  })
  .openapi('CampaignDesignRequest');

const Design = Json.openapi('CampaignDesign');

/**
 * POST a campaign design (as `tenure campaign design --target LIST`): a saved warning list's
 * frozen members randomized into a control arm and offer arms, stratified and reproducible for
 * the seed, with the balance check; kept once, never changed. Over HTTP the target is a saved
 * list only (never a file on the server). Needs customer:list and the CSRF header; audited.
 */
export function campaignDesignRoutes(api: Api): void {
  api.app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/campaigns',
      summary: 'designs and keeps a randomized campaign over a saved warning list: arms, control share, balance check (as `tenure campaign design --json`); audited',
      security: SECURED,
      middleware: [need(api, 'customer:list')],
      request: { body: { required: true, content: { 'application/json': { schema: DesignRequest } } } },
      responses: { 201: { description: 'designed and kept', content: { 'application/json': { schema: Design } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const p = c.get('principal');
      let arms;
      try {
        // The CLI's rules for arms (a control arm, shares adding up to 1, no arm twice).
        arms = parseArms(b.arms.map((a) => `${a.arm}:${String(a.share).includes('e') ? a.share.toFixed(12) : String(a.share)}`).join(','));
      } catch (err) {
        throw new TenureError('USAGE', `arms: ${(err as Error).message}`);
      }
      const r = await api
        .write(async (store) => {
          const list = await savedList(store, b.target_list);
          const source = { kind: 'list', listId: list.listId, asOf: list.asOf } as const;
          const d = await designCampaign(store, {
            campaignId: b.id,
            startDate: b.start,
            targets: await savedListMembers(store, list.listId),
            arms,
            seed: b.seed,
            horizonMonths: b.horizon,
            purpose: b.purpose,
            ...(b.name === undefined ? {} : { name: b.name }),
            ...(b.assigned === undefined ? {} : { assignedDate: b.assigned }),
          });
          return { d, source };
        })
        .catch(async (err: unknown) => {
          await api.audit({ actor: actorOf(p), action: 'campaign_design', target: b.id, outcome: 'failed', source: c.get('client'), detail: err instanceof Error ? err.message.slice(0, 200) : 'failed' });
          throw err;
        });
      await api.audit({ actor: actorOf(p), action: 'campaign_design', target: r.d.campaignId, outcome: 'ok', source: c.get('client'), detail: campaignDesignAuditDetail(r.d, r.source) });
      return c.json(campaignDesignJson(r.d, r.source, null), 201);
    },
  );
}
