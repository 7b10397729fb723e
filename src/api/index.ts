import { createApi as createCore, type Api, type ApiDeps } from './app.ts';
import { authRoutes } from './routes/auth.ts';
import { consoleRoutes } from './routes/console.ts';
import { dataRoutes } from './routes/data.ts';
import { nbaRecordRoutes } from './routes/nba-record.ts';
import { warnSaveRoutes } from './routes/warn-save.ts';
import { campaignDesignRoutes } from './routes/campaign-design.ts';
import { customerCareRoutes } from './routes/customer-care.ts';
import { insightRoutes } from './routes/insights.ts';
import { listRoutes } from './routes/lists.ts';
import { jobRoutes } from './routes/jobs.ts';
import { systemRoutes } from './routes/system.ts';

export type { Api, ApiDeps } from './app.ts';

/**
 * The HTTP API over a store: every route registered, ready for `app.fetch` or `app.request()` in
 * tests. `consoleDir` is the built web console (dist/console) served at /, or null for none.
 */
export function createApi(deps: ApiDeps, options: { readonly consoleDir?: string | null } = {}): Api {
  const api = createCore(deps);
  systemRoutes(api);
  authRoutes(api);
  dataRoutes(api);
  nbaRecordRoutes(api);
  warnSaveRoutes(api);
  campaignDesignRoutes(api);
  customerCareRoutes(api);
  insightRoutes(api);
  listRoutes(api);
  jobRoutes(api, { dataRoot: deps.dataRoot });
  // Last: the console's catch-all passes every API path on.
  consoleRoutes(api, options.consoleDir ?? null);
  return api;
}
