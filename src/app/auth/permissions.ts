/**
 * Roles and what they may do: the permission matrix as data, read by the API's guards and by a
 * test that checks every cell. Change a right here and nowhere else.
 *
 * - reports:read     aggregate figures (reports, lifecycle, transitions, value, segments, churn
 *                    index, forecast): no customer's own row
 * - customer:read    one customer at a time (360 view, score with reasons, next best action)
 * - customer:list    lists of customers (warning list, scores, care calendar, campaign members)
 * - export:bulk      large lists streamed as CSV / NDJSON
 * - pii:unmask       personal data unmasked, on an explicit, audited request
 * - nba:record       record an agent's outcome of a next best action
 * - audit:read       the audit trail
 * - users:manage     accounts and tokens
 * - jobs:run         start the long jobs (import, train, score) and read their state
 */
export const ROLES = ['admin', 'analyst', 'retention_manager', 'agent', 'read_only'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['reports:read', 'customer:read', 'customer:list', 'export:bulk', 'pii:unmask', 'nba:record', 'audit:read', 'users:manage', 'jobs:run'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const PERMISSION_MATRIX: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  analyst: ['reports:read', 'customer:read', 'customer:list', 'export:bulk', 'jobs:run'],
  retention_manager: ['reports:read', 'customer:read', 'customer:list', 'export:bulk', 'pii:unmask', 'nba:record'],
  // The agent talks to one customer at a time: that customer's record (contact details on an
  // audited request) and the next best action; no lists, no exports, no aggregates.
  agent: ['customer:read', 'pii:unmask', 'nba:record'],
  read_only: ['reports:read'],
};

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

export function isPermission(text: string): text is Permission {
  return (PERMISSIONS as readonly string[]).includes(text);
}

/** What a caller holds: the role's rights, narrowed to a token's scopes when it came with one. */
export function grantedPermissions(role: Role, scopes?: readonly Permission[]): ReadonlySet<Permission> {
  const ofRole = PERMISSION_MATRIX[role];
  return new Set(scopes === undefined ? ofRole : ofRole.filter((p) => scopes.includes(p)));
}
