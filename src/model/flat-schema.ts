import { TenureError } from '../domain/errors.ts';
import type { ColumnSet, FeatureColumn } from './columns.ts';
import type { CsvTable } from './table.ts';

/** How a raw CSV column becomes a feature; stored in the model so new files parse the same way. */
export type FlatColumn =
  | { name: string; type: 'numeric'; median: number; missingTokens: string[] }
  | { name: string; type: 'binary'; positive: string; negative: string }
  | { name: string; type: 'categorical' };

export interface FlatSchema {
  label: string;
  positive: string;
  id: string | null;
  columns: FlatColumn[];
  /** Columns left out, with the reason (id-like, empty, …). */
  excluded: { name: string; reason: string }[];
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '#n/a']);
const YES = new Set(['yes', 'y', 'true', 't']);
const NO = new Set(['no', 'n', 'false', 'f']);

export function isMissing(raw: string): boolean {
  return MISSING.has(raw.trim().toLowerCase());
}

function parseNumber(raw: string): number {
  const t = raw.trim();
  if (t === '') return Number.NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : Number.NaN;
}

export interface InferOptions {
  label: string;
  positive?: string;
  id?: string;
  file?: string;
}

/**
 * Infers each column's type from its values: numbers (blanks, NA and up to three other
 * tokens such as "Unknown" read as missing), Yes/No-style flags, categories; near-unique
 * text columns (ids, names) are left out with a note.
 */
export function inferSchema(table: CsvTable, opts: InferOptions): FlatSchema {
  const file = opts.file;
  const labelIndex = table.header.indexOf(opts.label);
  if (labelIndex < 0) throw new TenureError('SCHEMA', `label column ${opts.label} not found (columns: ${table.header.join(', ')})`, { file, column: opts.label });
  if (opts.id !== undefined && !table.header.includes(opts.id)) throw new TenureError('SCHEMA', `id column ${opts.id} not found`, { file, column: opts.id });
  if (opts.id === opts.label) throw new TenureError('USAGE', 'the id column cannot be the label column');
  const positive = resolvePositive(table.columns[labelIndex] as string[], opts);
  const columns: FlatColumn[] = [];
  const excluded: FlatSchema['excluded'] = [];
  table.header.forEach((name, c) => {
    if (name === opts.label || name === opts.id) return;
    if (table.header.indexOf(name) !== c) {
      excluded.push({ name, reason: 'duplicate column name' });
      return;
    }
    const col = inferColumn(name, table.columns[c] as string[]);
    if ('reason' in col) excluded.push(col);
    else columns.push(col);
  });
  if (columns.length === 0) throw new TenureError('BAD_INPUT', 'no usable feature columns', { file });
  return { label: opts.label, positive, id: opts.id ?? null, columns, excluded };
}

function resolvePositive(values: string[], opts: InferOptions): string {
  const classes = new Map<string, number>();
  for (const v of values) if (!isMissing(v)) classes.set(v.trim(), (classes.get(v.trim()) ?? 0) + 1);
  const file = opts.file;
  if (classes.size < 2) {
    throw new TenureError('BAD_INPUT', `label column ${opts.label} has ${classes.size === 0 ? 'no values' : `one class only (${[...classes.keys()].join('')})`}; a model needs both outcomes`, { file, column: opts.label });
  }
  const list = [...classes.keys()].sort();
  if (opts.positive !== undefined) {
    if (!classes.has(opts.positive)) throw new TenureError('BAD_INPUT', `positive value ${JSON.stringify(opts.positive)} does not occur in ${opts.label} (values: ${list.slice(0, 10).join(', ')})`, { file, column: opts.label });
    return opts.positive;
  }
  if (classes.size === 2) {
    const yes = list.find((v) => YES.has(v.toLowerCase()) || v === '1');
    if (yes !== undefined) return yes;
  }
  throw new TenureError('USAGE', `cannot tell the positive class of ${opts.label} (values: ${list.slice(0, 10).join(', ')}); pass --positive`, { file, column: opts.label });
}

function inferColumn(name: string, values: string[]): FlatColumn | { name: string; reason: string } {
  let present = 0;
  let numeric = 0;
  const tokens = new Map<string, number>();
  const distinct = new Set<string>();
  for (const raw of values) {
    if (isMissing(raw)) continue;
    present++;
    const t = raw.trim();
    if (distinct.size <= 100_000) distinct.add(t);
    if (!Number.isNaN(parseNumber(t))) numeric++;
    else if (tokens.size <= 4) tokens.set(t, (tokens.get(t) ?? 0) + 1);
  }
  if (present === 0) return { name, reason: 'no values' };
  if (distinct.size === 1) return { name, reason: 'constant' };
  if (distinct.size === 2 && numeric === 0) {
    const [a, b] = [...distinct] as [string, string];
    if (YES.has(a.toLowerCase()) && NO.has(b.toLowerCase())) return { name, type: 'binary', positive: a, negative: b };
    if (YES.has(b.toLowerCase()) && NO.has(a.toLowerCase())) return { name, type: 'binary', positive: b, negative: a };
  }
  if (numeric > 0 && numeric >= present / 2 && tokens.size <= 3) {
    const nums = new Float64Array(numeric);
    let k = 0;
    for (const raw of values) {
      const v = parseNumber(raw);
      if (!Number.isNaN(v)) nums[k++] = v;
    }
    nums.sort();
    return { name, type: 'numeric', median: nums[Math.floor((numeric - 1) / 2)] as number, missingTokens: [...tokens.keys()].sort() };
  }
  if (distinct.size > Math.max(100, present / 2)) return { name, reason: `id-like: ${distinct.size} distinct values in ${present} rows` };
  return { name, type: 'categorical' };
}

/** Builds the learner's columns from a table with a model's schema; names a missing column. */
export function buildColumns(table: CsvTable, schema: FlatSchema, file?: string): ColumnSet {
  const missing = schema.columns.filter((c) => !table.header.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new TenureError('SCHEMA', `table lacks column${missing.length > 1 ? 's' : ''} the model uses: ${missing.join(', ')}`, { file, column: missing[0] });
  }
  const n = table.rowCount;
  const columns = schema.columns.map((c): FeatureColumn => {
    const raw = table.columns[table.header.indexOf(c.name)] as string[];
    if (c.type === 'categorical') {
      const index = new Map<string, number>();
      const vocabulary: string[] = [];
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i] as string;
        if (isMissing(v)) {
          codes[i] = -1;
          continue;
        }
        const t = v.trim();
        let code = index.get(t);
        if (code === undefined) {
          code = vocabulary.length;
          index.set(t, code);
          vocabulary.push(t);
        }
        codes[i] = code;
      }
      return { kind: 'categorical', name: c.name, codes, vocabulary };
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i] as string;
      if (c.type === 'numeric') values[i] = parseNumber(v);
      else {
        const t = v.trim();
        values[i] = t === c.positive ? 1 : t === c.negative ? 0 : Number.NaN;
      }
    }
    return { kind: 'numeric', name: c.name, values };
  });
  return { rowCount: n, columns };
}

/** 1 for the positive value, 0 for any other present value; rows with a missing label are reported. */
export function buildLabel(table: CsvTable, schema: FlatSchema, file?: string): { label: Uint8Array; missingRows: number[] } {
  const c = table.header.indexOf(schema.label);
  if (c < 0) throw new TenureError('SCHEMA', `label column ${schema.label} not found; evaluation needs the outcome`, { file, column: schema.label });
  const raw = table.columns[c] as string[];
  const label = new Uint8Array(table.rowCount);
  const missingRows: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] as string;
    if (isMissing(v)) missingRows.push(i);
    label[i] = v.trim() === schema.positive ? 1 : 0;
  }
  return { label, missingRows };
}

export function rawValue(table: CsvTable, column: number, row: number): string {
  return (table.columns[column] as string[])[row] as string;
}
