import type { Comparison, Condition, LifecycleRules } from './rules.ts';

/**
 * Compiles lifecycle rules to SQL CASE expressions over a relation whose columns carry the
 * feature names (see features.ts), so the store can stage a million customers in one query.
 * Semantics match `evaluateStage`: a comparison with NULL is false (not unknown), so `not`
 * behaves the same in SQL and in TypeScript, and a ratio needs a positive denominator.
 */
const SQL_OP: Readonly<Record<Comparison, string>> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '==': '=', '!=': '<>' };

function ident(name: string, qualifier?: string): string {
  const quoted = `"${name.replaceAll('"', '""')}"`;
  return qualifier ? `${qualifier}.${quoted}` : quoted;
}

function literal(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`rule value ${v} is not a finite number`);
  return String(v);
}

export function conditionSql(c: Condition, qualifier?: string): string {
  if ('all' in c) return `(${c.all.map((x) => conditionSql(x, qualifier)).join(' AND ')})`;
  if ('any' in c) return `(${c.any.map((x) => conditionSql(x, qualifier)).join(' OR ')})`;
  if ('not' in c) return `(NOT ${conditionSql(c.not, qualifier)})`;
  if ('ratio' in c) {
    const num = ident(c.ratio[0], qualifier);
    const den = ident(c.ratio[1], qualifier);
    return `COALESCE(CASE WHEN ${den} > 0 THEN CAST(${num} AS DOUBLE PRECISION) / ${den} ${SQL_OP[c.op]} ${literal(c.value)} ELSE FALSE END, FALSE)`;
  }
  if ('is' in c) return `COALESCE(${ident(c.feature, qualifier)} = ${c.is ? 'TRUE' : 'FALSE'}, FALSE)`;
  return `COALESCE(${ident(c.feature, qualifier)} ${SQL_OP[c.op]} ${literal(c.value)}, FALSE)`;
}

const text = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** `CASE WHEN … THEN 'E' … ELSE 'B' END` giving the stage. */
export function stageCaseSql(rules: LifecycleRules, qualifier?: string): string {
  const whens = rules.rules.map((r) => `WHEN ${conditionSql(r.when, qualifier)} THEN ${text(r.stage)}`);
  return `CASE ${whens.join(' ')} ELSE ${text(rules.default.stage)} END`;
}

/** The same CASE giving the id of the rule that fired. */
export function ruleCaseSql(rules: LifecycleRules, qualifier?: string): string {
  const whens = rules.rules.map((r) => `WHEN ${conditionSql(r.when, qualifier)} THEN ${text(r.id)}`);
  return `CASE ${whens.join(' ')} ELSE ${text(rules.default.id)} END`;
}
