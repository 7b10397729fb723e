import { isExtraColumn, MONEY_SCALE, type ColumnSpec, type FileSpec } from '../../contract/spec.ts';
import type { FieldCheck } from './lexical.ts';
import type { Layout } from './sql.ts';

/**
 * Columns one file may have, contract columns and x_ extras together. The widest contract file
 * has about 25 columns, so this leaves hundreds of extras; beyond about a thousand the staging
 * SQL, which builds expressions across every column, breaks DuckDB's expression depth limit
 * with a message about SQL that tells the operator nothing (2,000 columns did). 500 columns
 * import fine (customers and monthly_usage, checked by the regression test).
 */
export const MAX_COLUMNS_PER_FILE = 500;

/** Checks a file's header against the contract; errors make it a schema error (nothing loaded). */
export function layoutFor(spec: FileSpec, header: readonly string[]): { layout: Layout } | { errors: string[] } {
  if (header.length > MAX_COLUMNS_PER_FILE) {
    return { errors: [`${header.length} columns in the header; a file may have at most ${MAX_COLUMNS_PER_FILE} (contract columns and x_ extras together)`] };
  }
  const names = header.map((h) => h.toLowerCase());
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') errors.push('empty column name in the header');
    else if (seen.has(name)) errors.push(`column ${name} appears twice`);
    seen.add(name);
    if (name !== '' && !isExtraColumn(name) && !spec.columns.some((c) => c.name === name)) {
      errors.push(`unknown column ${name} (only contract columns and x_ extras are allowed)`);
    }
  }
  for (const col of spec.columns) {
    if (col.required && !seen.has(col.name)) errors.push(`missing required column ${col.name}`);
  }
  if (errors.length) return { errors };
  const extras = names.filter(isExtraColumn);
  const extraSpec = (name: string): ColumnSpec =>
    spec.extras === 'numeric' ? { name, kind: 'decimal', required: false } : { name, kind: 'string', required: false };
  const present = [...spec.columns.filter((c) => seen.has(c.name)), ...extras.map(extraSpec)];
  return { layout: { spec, fileColumns: names, present, extras } };
}

/** The scanner's byte-level pre-check for each column in file order. */
export function fieldChecks(layout: Layout): (FieldCheck | null)[] {
  const byName = new Map(layout.present.map((c) => [c.name, c]));
  return layout.fileColumns.map((name) => {
    const col = byName.get(name);
    switch (col?.kind) {
      case 'money':
      case 'decimal':
      case 'integer':
      case 'date':
      case 'month':
      case 'timestamp':
        return col.kind;
      default:
        return null;
    }
  });
}

export { MONEY_SCALE };
