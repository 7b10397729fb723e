import type { AnalyticsStore } from '../app/store.ts';
import type { Principal } from '../app/auth/accounts.ts';
import type { ServingLease } from '../app/serving/serving.ts';

/** What the middleware gives every handler (Hono context variables). */
export interface ApiVariables {
  requestId: string;
  /** The client's address, for the audit trail and the login throttle. */
  client: string;
  principal: Principal;
  /** This request's store session (read-only), leased from the pool at the first call, had alone until the request ends. */
  reader: () => Promise<AnalyticsStore>;
  /** The same lease with the data generation it reads, for the caches of app/serving (`api.serving.memo(lease, …)`). */
  lease: () => Promise<ServingLease>;
}

export interface ApiEnv {
  Variables: ApiVariables;
}
