import type { Command } from 'commander';

/**
 * Every command module exports `register(program)`, which adds the top-level command of its
 * key. Modules load on demand (each is a chunk of the CLI bundle): a command line loads the one
 * it runs, so it never pays at start for the others' code and packages (the API server,
 * PostgreSQL, ClickHouse, zod, …); help and an unknown command load them all. Add one entry per
 * module, keyed by its command's name; keep the list sorted by command name.
 */
export type Register = (program: Command) => void;

export const COMMAND_MODULES: Readonly<Record<string, () => Promise<{ register: Register }>>> = {
  audit: () => import('./audit.ts'),
  campaign: () => import('./campaign.ts'),
  care: () => import('./care.ts'),
  'churn-index': () => import('./churn-index.ts'),
  customer: () => import('./customer.ts'),
  demo: () => import('./demo.ts'),
  forecast: () => import('./forecast.ts'),
  import: () => import('./import.ts'),
  lifecycle: () => import('./lifecycle.ts'),
  model: () => import('./model.ts'),
  nba: () => import('./nba.ts'),
  points: () => import('./points.ts'),
  relationship: () => import('./relationship.ts'),
  report: () => import('./report.ts'),
  retention: () => import('./retention.ts'),
  schema: () => import('./schema.ts'),
  score: () => import('./score.ts'),
  segments: () => import('./segments.ts'),
  serve: () => import('./serve.ts'),
  start: () => import('./start.ts'),
  store: () => import('./store.ts'),
  uplift: () => import('./uplift.ts'),
  user: () => import('./user.ts'),
  value: () => import('./value.ts'),
  warn: () => import('./warn.ts'),
  winback: () => import('./winback.ts'),
};
