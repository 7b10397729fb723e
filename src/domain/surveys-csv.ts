import { reason as reasonText } from '../contract/rules.ts';
import { fileSpec, isExtraColumn } from '../contract/spec.ts';
import { cellReason } from '../contract/zod.ts';
import type { SurveyRow } from './churn-index.ts';
import { readCsvRecords } from './csv.ts';

/** A rejected value, in the contract's rejects shape. */
export interface RowProblem {
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

export interface SurveysParse {
  readonly rows: SurveyRow[];
  /** Rows read (data records, header excluded); accepted + rejected = read. */
  readonly read: number;
  readonly rejected: RowProblem[];
  /** Header problems make the file unusable (unknown or missing columns). */
  readonly headerErrors: string[];
}

/**
 * Parses a `surveys` file per the data contract: case-insensitive header, free column order,
 * `x_` columns allowed and ignored, strict decimals within 0–10, and the key (scope, reason):
 * an exact repeat is accepted, a repeat with different values is rejected (`duplicate_key`).
 */
export function parseSurveysCsv(text: string): SurveysParse {
  const spec = fileSpec('surveys');
  const records = readCsvRecords(text);
  const header = records[0];
  if (!header || header.error) {
    return { rows: [], read: 0, rejected: [], headerErrors: [header?.error ?? 'empty file: no header line'] };
  }
  const names = header.fields.map((h) => h.trim().toLowerCase());
  const headerErrors: string[] = [];
  names.forEach((name, i) => {
    if (!spec.columns.some((c) => c.name === name) && !isExtraColumn(name)) {
      headerErrors.push(`unknown column "${header.fields[i]}" (allowed: ${spec.columns.map((c) => c.name).join(', ')}, x_*)`);
    }
    if (names.indexOf(name) !== i) headerErrors.push(`column "${name}" appears twice`);
  });
  for (const c of spec.columns) if (c.required && !names.includes(c.name)) headerErrors.push(`missing required column "${c.name}"`);
  if (headerErrors.length > 0) return { rows: [], read: records.length - 1, rejected: [], headerErrors };

  const col = (name: string) => names.indexOf(name);
  const rows: SurveyRow[] = [];
  const rejected: RowProblem[] = [];
  const seen = new Map<string, SurveyRow>();
  for (const rec of records.slice(1)) {
    if (rec.error) {
      rejected.push({ line: rec.line, column: '', value: '', reason: rec.error });
      continue;
    }
    if (rec.fields.length !== names.length) {
      rejected.push({ line: rec.line, column: '', value: '', reason: `expected ${names.length} fields, found ${rec.fields.length}` });
      continue;
    }
    // Cell rules come from the contract (contract/zod.ts), so reasons read as the importer's.
    const problems: RowProblem[] = [];
    for (const column of spec.columns) {
      const value = rec.fields[col(column.name)] ?? '';
      const why = cellReason(column, value);
      if (why) problems.push({ line: rec.line, column: column.name, value, reason: why });
    }
    if (problems.length > 0) {
      rejected.push(...problems);
      continue;
    }
    const text = (name: string): string => rec.fields[col(name)] ?? '';
    const scope = text('scope');
    const reason = text('reason');
    const row: SurveyRow = {
      scope,
      reason,
      rating: Number(text('rating')),
      importance: Number(text('importance')),
      availability: Number(text('availability')),
    };
    const key = JSON.stringify([scope, reason]);
    const first = seen.get(key);
    if (first) {
      const same = first.rating === row.rating && first.importance === row.importance && first.availability === row.availability;
      if (!same) rejected.push({ line: rec.line, column: 'reason', value: reason, reason: reasonText('duplicate_key', `(${scope}, ${reason}) was already given with different values`) });
      continue;
    }
    seen.set(key, row);
    rows.push(row);
  }
  return { rows, read: records.length - 1, rejected, headerErrors };
}
