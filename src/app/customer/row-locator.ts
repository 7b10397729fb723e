/**
 * Where one customer's rows are, for a server showing one customer at a time on the DuckDB store.
 *
 * DuckDB has no index on customer_id (an ART index would slow the bulk loads, migration 12) and
 * prunes row groups by their min/max only, which works for a table stored in customer order
 * (the bills, as the export writes them) and not for the others (customers and subscriptions as
 * the parallel CSV reader wrote them, the derived tables as the parallel inserts wrote them): a
 * point read there scans the table, a fifth of a second at a million customers. The locator
 * reads every row's rowid once and answers which rows hold a customer; a point read then asks
 * for those rowids, which DuckDB reads from their row group alone.
 *
 * A locator describes the tables as they were when it was made: a reader must check that the
 * rows it got are the customer's and fall back to the plain filter when not (see `pointRead`).
 * The HTTP server makes one per data generation (app/serving).
 */
import type { AnalyticsStore, Row, SqlValue } from '../../store/port.ts';

export interface LocatedTable {
  /** The table, as SQL names it. */
  readonly table: string;
  /** The condition (beyond the customer) of the rows a point read of it asks for, with its parameters. */
  readonly where?: { readonly sql: string; readonly params: readonly SqlValue[] };
}

interface Index {
  readonly offsets: Int32Array;
  readonly rowids: Float64Array;
}

export class RowLocator {
  private constructor(
    private readonly slot: ReadonlyMap<string, number>,
    private readonly indexes: ReadonlyMap<string, Index>,
  ) {}

  /** Reads the row positions of `tables` (customers first: its ids number the slots); null on an engine without them (dialect.rowPosition). */
  static async make(store: AnalyticsStore, tables: readonly LocatedTable[]): Promise<RowLocator | null> {
    const position = store.dialect.rowPosition;
    if (position === null) return null;
    const slot = new Map<string, number>();
    const ids = await store.queryColumns('SELECT customer_id FROM customers');
    (ids.columns.customer_id as readonly (string | null)[]).forEach((id) => {
      if (id !== null && !slot.has(id)) slot.set(id, slot.size);
    });
    const indexes = new Map<string, Index>();
    for (const t of tables) {
      const where = t.where ? ` WHERE ${t.where.sql}` : '';
      const set = await store.queryColumns(`SELECT customer_id, CAST(${position} AS DOUBLE PRECISION) AS r FROM ${t.table}${where}`, t.where?.params ?? []);
      const customer = set.columns.customer_id as readonly (string | null)[];
      const rowid = set.columns.r as Float64Array;
      const of = Int32Array.from(customer, (id) => (id === null ? -1 : (slot.get(id) ?? -1)));
      const offsets = new Int32Array(slot.size + 1);
      for (const s of of) if (s >= 0) offsets[s + 1] = (offsets[s + 1] as number) + 1;
      for (let i = 0; i < slot.size; i++) offsets[i + 1] = (offsets[i + 1] as number) + (offsets[i] as number);
      const at = offsets.slice(0, slot.size);
      const rowids = new Float64Array(offsets[slot.size] as number);
      of.forEach((s, i) => {
        if (s >= 0) rowids[(at[s] = (at[s] as number) + 1) - 1] = rowid[i] as number;
      });
      indexes.set(t.table, { offsets, rowids });
    }
    return new RowLocator(slot, indexes);
  }

  /** The rowids of the customer's rows in `table` (empty: none); undefined when the locator cannot say. */
  rowids(table: string, customerId: string): number[] | undefined {
    const index = this.indexes.get(table);
    const s = this.slot.get(customerId);
    if (!index || s === undefined) return undefined;
    return Array.from(index.rowids.subarray(index.offsets[s] as number, index.offsets[s + 1] as number));
  }
}

/**
 * `SELECT * FROM table WHERE customer_id = $1 AND <where> [ORDER BY …]` for one customer: through
 * the locator's rowids when it knows the table and every row it names is still the customer's,
 * else as the plain filter. `where` uses parameters from $2 on; `params` starts with the customer.
 */
export async function pointRead<T extends Row = Row>(
  store: AnalyticsStore,
  locator: RowLocator | null | undefined,
  q: { table: string; where?: string; params: readonly SqlValue[]; orderBy?: string },
): Promise<T[]> {
  const filter = `customer_id = $1${q.where ? ` AND ${q.where}` : ''}`;
  const order = q.orderBy ? ` ORDER BY ${q.orderBy}` : '';
  const plain = () => store.query<T>(`SELECT * FROM ${q.table} WHERE ${filter}${order}`, q.params);
  const position = store.dialect.rowPosition;
  const rowids = locator?.rowids(q.table, String(q.params[0]));
  if (position === null || rowids === undefined || !rowids.every((r) => Number.isSafeInteger(r))) return plain();
  // A customer the locator knows with no row there: none (the tables it read change with the data generation only).
  if (rowids.length === 0) return [];
  // One branch per rowid: DuckDB reads a rowid equality from its row group alone (an IN list it scans).
  const branches = rowids.map((r) => `SELECT * FROM ${q.table} WHERE ${position} = ${r} AND ${filter}`).join(' UNION ALL ');
  const rows = await store.query<T>(`SELECT * FROM (${branches}) AS located${order}`, q.params);
  return rows.length === rowids.length ? rows : plain();
}
