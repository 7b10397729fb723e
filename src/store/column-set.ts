import type { ColumnSet, SqlValue } from './port.ts';

/** The columns of a set with their values, each checked to hold exactly `rowCount` values (stageColumns on every engine). */
export function checkedColumns(set: ColumnSet): { name: string; values: Float64Array | SqlValue[] }[] {
  return set.names.map((name) => {
    const values = set.columns[name];
    if (!values || values.length !== set.rowCount) throw new RangeError(`stageColumns: column ${name} has ${values?.length ?? 0} values, expected ${set.rowCount}`);
    return { name, values };
  });
}
