import { createRoute, z } from '@hono/zod-openapi';
import { storeReady } from '../../app/store-ready.ts';
import type { Api } from '../app.ts';

/** Probes (no credentials, no data) and the API's own documents. */
export function systemRoutes(api: Api): void {
  const { app } = api;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'liveness: the process answers',
      security: [],
      responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  const Ready = z.object({ ready: z.boolean(), schema_version: z.number().nullable(), expected_version: z.number() });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: "readiness: the store answers and carries this build's schema",
      security: [],
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: Ready } } },
        503: { description: 'not ready', content: { 'application/json': { schema: Ready } } },
      },
    }),
    async (c) => {
      const r = await storeReady(await c.get('reader')());
      return r.ready ? c.json(r, 200) : c.json(r, 503);
    },
  );
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'tenure_session', description: 'login session (POST /api/v1/auth/login); state-changing requests also send X-CSRF-Token' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'token', { type: 'http', scheme: 'bearer', description: 'API token (tenure user token): tnr_<id>_<secret>' });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Tenure API', version: '1', description: 'Churn and customer-lifecycle figures of Tenure over HTTP. Every route under /api/v1 but the login needs a session or a token; personal data is masked unless the role may unmask it and the request asks (audited).' },
  });
  app.get('/api/docs', (c) => {
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Tenure API', version: '1' } });
    const esc = (t: string) => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const items = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { summary?: string }>).map(([method, op]) => `<li><code>${esc(method.toUpperCase())} ${esc(path)}</code> ${esc(op.summary ?? '')}</li>`),
    );
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tenure API</title></head><body><h1>Tenure API</h1><p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p><ul>${items.join('')}</ul></body></html>`);
  });
}
