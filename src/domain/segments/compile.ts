import { CATEGORIES, isExtraSegmentField, SEGMENT_FIELDS, type SegmentCondition } from './definitions.ts';

/**
 * Compiles a segment condition to a SQL boolean over a relation whose columns are the field
 * names (and `holds_<category>` booleans). User values never enter the SQL text: each one is
 * a bound parameter ($n) appended to `params`. Field names come from a fixed list or are an
 * operator's x_ column (checked against the store by the caller), and are quoted. NULL semantics: a comparison with a missing value is FALSE, so `not` negates a
 * definite answer (as the lifecycle rules do).
 */
export interface CompiledCondition {
  readonly sql: string;
  readonly params: (string | number)[];
}

const OPS: Readonly<Record<string, string>> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '=': '=', '!=': '<>' };

function ident(name: string, qualifier?: string): string {
  const q = `"${name.replaceAll('"', '""')}"`;
  return qualifier ? `${qualifier}.${q}` : q;
}

export function compileCondition(c: SegmentCondition, params: (string | number)[], qualifier?: string): string {
  const bind = (v: string | number): string => {
    params.push(v);
    const cast = typeof v === 'number' ? 'DOUBLE PRECISION' : 'VARCHAR';
    return `CAST($${params.length} AS ${cast})`;
  };
  if ('all' in c) return `(${c.all.map((x) => compileCondition(x, params, qualifier)).join(' AND ')})`;
  if ('any' in c) return `(${c.any.map((x) => compileCondition(x, params, qualifier)).join(' OR ')})`;
  if ('not' in c) return `(NOT ${compileCondition(c.not, params, qualifier)})`;
  if ('holds' in c) return holdsSql([c.holds], qualifier);
  if ('holds_any' in c) return holdsSql(c.holds_any, qualifier);
  if (!(c.field in SEGMENT_FIELDS) && !isExtraSegmentField(c.field)) throw new RangeError(`unknown segment field ${String(c.field)}`);
  const col = ident(c.field, qualifier);
  if ('prefix' in c) {
    // The path itself, or the path followed by deeper levels: no LIKE, so % and _ in a name are literal.
    const p = bind(c.prefix);
    return `COALESCE(${col} = ${p} OR starts_with(${col}, ${p} || '/'), FALSE)`;
  }
  if ('in' in c) return `COALESCE(${col} IN (${c.in.map(bind).join(', ')}), FALSE)`;
  const op = OPS[c.op];
  if (op === undefined) throw new RangeError(`unknown operator ${String(c.op)}`);
  return `COALESCE(${col} ${op} ${bind(c.value)}, FALSE)`;
}

function holdsSql(categories: readonly string[], qualifier?: string): string {
  for (const cat of categories) if (!(CATEGORIES as readonly string[]).includes(cat)) throw new RangeError(`unknown category ${cat}`);
  return `(${categories.map((cat) => `COALESCE(${ident(`holds_${cat}`, qualifier)}, FALSE)`).join(' OR ')})`;
}

/** The TypeScript evaluation of a condition on one record, the reference the SQL is tested against. */
export type SegmentRecord = Readonly<Record<string, string | number | boolean | null | undefined>>;

export function conditionHolds(c: SegmentCondition, r: SegmentRecord): boolean {
  if ('all' in c) return c.all.every((x) => conditionHolds(x, r));
  if ('any' in c) return c.any.some((x) => conditionHolds(x, r));
  if ('not' in c) return !conditionHolds(c.not, r);
  if ('holds' in c) return r[`holds_${c.holds}`] === true;
  if ('holds_any' in c) return c.holds_any.some((cat) => r[`holds_${cat}`] === true);
  const v = r[c.field];
  if (v === null || v === undefined) return false;
  if ('prefix' in c) return typeof v === 'string' && (v === c.prefix || v.startsWith(`${c.prefix}/`));
  if ('in' in c) return c.in.some((x) => x === v);
  const a = v as number | string;
  const b = c.value;
  switch (c.op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '=':
      return a === b;
    case '!=':
      return a !== b;
  }
}
