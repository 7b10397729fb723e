/**
 * The learner's input: one typed array per feature, as a SQL query or a CSV reader can
 * produce them without per-row objects. Numeric features use NaN for missing; categorical
 * features are codes into a vocabulary, -1 for missing.
 */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly vocabulary: readonly string[];
}

export type FeatureColumn = NumericColumn | CategoricalColumn;

export interface ColumnSet {
  readonly rowCount: number;
  readonly columns: readonly FeatureColumn[];
}

export function columnLength(col: FeatureColumn): number {
  return col.kind === 'numeric' ? col.values.length : col.codes.length;
}

/** Keeps the rows listed in `rows` (in that order) of every column. */
export function selectRows(set: ColumnSet, rows: ArrayLike<number>): ColumnSet {
  const n = rows.length;
  const columns = set.columns.map((col): FeatureColumn => {
    if (col.kind === 'numeric') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = col.values[rows[i] as number] as number;
      return { kind: 'numeric', name: col.name, values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = col.codes[rows[i] as number] as number;
    return { kind: 'categorical', name: col.name, codes, vocabulary: col.vocabulary };
  });
  return { rowCount: n, columns };
}
