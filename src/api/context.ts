import type { AnalyticsStore } from '../app/store.ts';
import type { Principal } from '../app/auth/accounts.ts';

/** What the middleware gives every handler (Hono context variables). */
export interface ApiVariables {
  requestId: string;
  /** The client's address, for the audit trail and the login throttle. */
  client: string;
  principal: Principal;
  /** This request's own store session (read-only), opened at the first call and closed with the request. */
  reader: () => Promise<AnalyticsStore>;
}

export interface ApiEnv {
  Variables: ApiVariables;
}
