import { createRoute, z } from '@hono/zod-openapi';
import { lifecycleSnapshot } from '../../app/lifecycle/lifecycle.ts';
import { lifecycleTransitions } from '../../app/lifecycle/transitions.ts';
import { lifecycleJson, patternsJson, transitionsJson } from '../../app/lifecycle/lifecycle-json.ts';
import { customerValue } from '../../app/value/customer-value.ts';
import { valueJson } from '../../app/value/value-json.ts';
import { segmentReport } from '../../app/segments/segments.ts';
import { segmentsJson } from '../../app/segments/segments-json.ts';
import { churnIndex, churnIndexJson, storeSurveys } from '../../app/churn-index/churn-index.ts';
import { forecastChurnFromStore } from '../../app/forecast/churn-forecast.ts';
import { complaintsReport, COMPLAINTS_BY } from '../../app/service/complaints.ts';
import { serviceQualityReport } from '../../app/service/service-quality.ts';
import { complaintsJson, serviceQualityJson } from '../../app/service/service-json.ts';
import { relationshipReport } from '../../app/service/relationship.ts';
import { relationshipJson } from '../../app/service/relationship-json.ts';
import { evaluateCampaigns } from '../../app/campaigns/evaluate.ts';
import { campaignEvaluationJson } from '../../app/campaigns/campaign-json.ts';
import { REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { SEGMENT_PROFILES } from '../../domain/segments/definitions.ts';
import { SECURED, need, type Api } from '../app.ts';
import { Currency, Id, json, labelLang, Lang, Month, whole } from './read-kit.ts';

/**
 * Aggregate reads (reports:read): lifecycle stages, transitions and relationship patterns, the
 * value matrix with tiers and 80/20, segments, the churn index, the churn forecast, complaints
 * and service quality, the relationship scorecard and the campaign evaluations. Each calls the
 * same app function as its CLI command and shapes its body with the same app JSON function, so
 * the body is the command's --json document.
 */
export function insightRoutes(api: Api): void {
  const { app } = api;
  const shown = (q: { lang: 'zh-CN' | 'en'; currency?: string | undefined }) => ({ lang: q.lang, currency: q.currency ?? api.deps.currency ?? 'CNY' });
  const guarded = { security: SECURED, middleware: [need(api, 'reports:read')] };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lifecycle',
      summary: 'lifecycle stages A–E with counts, shares, ARPU and margin (as `tenure lifecycle --json`)',
      ...guarded,
      request: { query: z.object({ as_of: Month.optional(), lang: Lang, currency: Currency.optional() }) },
      responses: json('the lifecycle snapshot'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await lifecycleSnapshot(await c.get('reader')(), { asOf: q.as_of });
      return c.json(lifecycleJson(r, shown(q)), 200);
    },
  );

  const Range = z.object({ from: Month.optional(), to: Month.optional(), lang: Lang });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lifecycle/transitions',
      summary: 'stage transition matrix and time in stage over a month range (as `tenure lifecycle transitions --json`)',
      ...guarded,
      request: { query: Range },
      responses: json('the transitions'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const t = await lifecycleTransitions(await c.get('reader')(), { from: q.from, to: q.to });
      return c.json(transitionsJson(t, q.lang), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lifecycle/patterns',
      summary: 'relationship patterns I–IV of the relationships that ended in a month range (as `tenure lifecycle patterns --json`)',
      ...guarded,
      request: { query: Range },
      responses: json('the patterns'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const t = await lifecycleTransitions(await c.get('reader')(), { from: q.from, to: q.to });
      return c.json(patternsJson(t, q.lang), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/value',
      summary: 'customer value: matrix quadrants with strategies, tiers, the 80/20 report, lifetime (as `tenure value --json`)',
      ...guarded,
      request: {
        query: z.object({ as_of: Month.optional(), annual_discount_rate: z.coerce.number().gt(0).lt(10).optional(), lang: Lang, currency: Currency.optional() }),
      },
      responses: json('the value report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await customerValue(await c.get('reader')(), { asOf: q.as_of, parameters: q.annual_discount_rate === undefined ? {} : { annualDiscountRate: q.annual_discount_rate } });
      return c.json(valueJson(r, shown(q)), 200);
    },
  );

  const Profiles = z
    .string()
    .max(100)
    .regex(new RegExp(`^(auto|(${SEGMENT_PROFILES.join('|')})(,(${SEGMENT_PROFILES.join('|')}))*)$`), `auto or a comma list of ${SEGMENT_PROFILES.join(', ')}`);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/segments',
      summary: 'segment sizes, ARPU, churn rate and trend: the operator-profile presets (cable-TV among them), value tiers, or one segment per value of a field or x_ attribute (as `tenure segments --json`)',
      ...guarded,
      request: {
        query: z.object({
          as_of: Month.optional(),
          months: whole(1, 120).optional(),
          profile: Profiles.default('auto'),
          by: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a customer field or x_ attribute name').optional(),
          lang: Lang,
          currency: Currency.optional(),
        }),
      },
      responses: json('the segments report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const profiles = q.profile === 'auto' || q.by !== undefined ? undefined : (q.profile.split(',') as (typeof SEGMENT_PROFILES)[number][]);
      const r = await segmentReport(await c.get('reader')(), { asOf: q.as_of, months: q.months, profiles, by: q.by });
      return c.json(segmentsJson(r, shown(q)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/churn-index',
      summary: "the churn index (流失指数) per scope from the store's surveys, beside the observed churn (as `tenure churn-index --json`)",
      ...guarded,
      responses: json('the churn index'),
    }),
    async (c) => {
      const store = await c.get('reader')();
      const r = await churnIndex(await storeSurveys(store), null, store);
      // The source names the store's location for the operator at a shell; a client is told "the store".
      return c.json({ ...churnIndexJson(r), source: 'store' }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/forecast/churn',
      summary: 'monthly voluntary and involuntary churn forecast with intervals, optionally by province (as `tenure forecast churn --json`)',
      ...guarded,
      request: { query: z.object({ horizon: whole(1, 36).optional(), backtest: whole(1, 120).optional(), by: z.enum(['province']).optional(), currency: Currency.optional() }) },
      responses: json('the forecast'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await forecastChurnFromStore(await c.get('reader')(), { horizon: q.horizon, backtest: q.backtest, byProvince: q.by === 'province' });
      return c.json({ ...r, currency: shown({ lang: 'en', currency: q.currency }).currency }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/complaints',
      summary: 'complaint volume, resolution, repeats and satisfaction; churn with unresolved complaints against none (as `tenure report complaints --json`)',
      ...guarded,
      request: {
        query: z.object({
          from: Month.optional(),
          to: Month.optional(),
          by: z.enum(COMPLAINTS_BY).default('kind'),
          level: z.enum(REGION_LEVELS).default('province'),
          segment_by: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
          window: whole(1, 24).optional(),
          lookback: whole(1, 24).optional(),
        }),
      },
      responses: json('the complaints report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await complaintsReport(await c.get('reader')(), { from: q.from, to: q.to, by: q.by, level: q.level, segmentBy: q.segment_by, window: q.window, lookback: q.lookback });
      return c.json(complaintsJson(r), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/service-quality',
      summary: 'dropped calls and x_ measures by region against churn, the service-related share of voluntary churn against a claim, churn by dropped-call band (as `tenure report service-quality --json`)',
      ...guarded,
      request: {
        query: z.object({
          from: Month.optional(),
          to: Month.optional(),
          level: z.enum(REGION_LEVELS).default('province'),
          measure: z.string().regex(/^x_[a-z0-9_]{1,60}(,x_[a-z0-9_]{1,60}){0,9}$/, 'x_ measures, comma-separated').optional(),
          service_groups: z.string().regex(/^[a-z_]{1,40}(,[a-z_]{1,40}){0,19}$/, 'reason groups, comma-separated').optional(),
          claim: z.coerce.number().min(0).max(1).optional(),
          bands: z.string().regex(/^\d+(\.\d+)?(,\d+(\.\d+)?){0,19}$/, 'band edges, comma-separated').optional(),
          window: whole(1, 24).optional(),
          lookback: whole(1, 24).optional(),
        }),
      },
      responses: json('the service-quality report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await serviceQualityReport(
        await c.get('reader')(),
        { from: q.from, to: q.to, level: q.level, measures: q.measure?.split(',') ?? [], serviceGroups: q.service_groups?.split(','), claim: q.claim, bands: q.bands, window: q.window, lookback: q.lookback },
        { refreshStale: true },
      );
      return c.json(serviceQualityJson(r), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/relationship',
      summary: 'relationship scorecard 0–100 by segment and its AUC on churn (as `tenure relationship --json`, default weights); the weakest accounts only for a role that may list customers',
      ...guarded,
      request: {
        query: z.object({ as_of: Month.optional(), segment_by: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(), horizon: whole(1, 24).optional(), weakest: whole(0, 1000).optional(), lang: Lang }),
      },
      responses: json('the relationship report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const lists = c.get('principal').permissions.has('customer:list');
      const r = await relationshipReport(await c.get('reader')(), { asOf: q.as_of, segmentBy: q.segment_by, horizon: q.horizon, weakest: lists ? q.weakest : 0 });
      return c.json(relationshipJson(r, labelLang(q.lang)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/campaigns',
      summary: 'every campaign evaluated by intention to treat: arms, churn, uplift, ROI, dilution (as `tenure campaign evaluate --json`)',
      ...guarded,
      request: { query: z.object({ lang: Lang, currency: Currency.optional() }) },
      responses: json('the campaigns'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(campaignEvaluationJson(await evaluateCampaigns(await c.get('reader')()), shown(q)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/campaigns/{id}',
      summary: 'one campaign and its evaluation (as `tenure campaign evaluate ID --json`)',
      ...guarded,
      request: { params: z.object({ id: Id }), query: z.object({ lang: Lang, currency: Currency.optional() }) },
      responses: json('the campaign'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      return c.json(campaignEvaluationJson(await evaluateCampaigns(await c.get('reader')(), { campaignId: id }), shown(q)), 200);
    },
  );
}
