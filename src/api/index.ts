import { createApi as createCore, type Api, type ApiDeps } from './app.ts';
import { authRoutes } from './routes/auth.ts';
import { dataRoutes } from './routes/data.ts';
import { insightRoutes } from './routes/insights.ts';
import { listRoutes } from './routes/lists.ts';
import { jobRoutes } from './routes/jobs.ts';
import { systemRoutes } from './routes/system.ts';

export type { Api, ApiDeps } from './app.ts';

/** The HTTP API over a store: every route registered, ready for `app.fetch` or `app.request()` in tests. */
export function createApi(deps: ApiDeps): Api {
  const api = createCore(deps);
  systemRoutes(api);
  authRoutes(api);
  dataRoutes(api);
  insightRoutes(api);
  listRoutes(api);
  jobRoutes(api, { dataRoot: deps.dataRoot });
  return api;
}
