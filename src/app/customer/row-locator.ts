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
  /**
   * Kept as each customer's first and last rowid and row count, not every rowid: for a table
   * stored in customer order (the bills), where a customer's rows are one run and a table of
   * them would be large. A point read asks for the range (no `where`: all of the customer's rows).
   */
  readonly range?: boolean;
}

interface Index {
  readonly offsets: Int32Array;
  readonly rowids: Float64Array;
}

interface Range {
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly count: Int32Array;
}

export class RowLocator {
  private constructor(
    private readonly slot: ReadonlyMap<string, number>,
    private readonly indexes: ReadonlyMap<string, Index>,
    private readonly ranges: ReadonlyMap<string, Range> = new Map(),
  ) {}

  /**
   * Reads the row positions of `tables` (customers first: its ids number the slots); null on an
   * engine without them (dialect.rowPosition). With `warm`, every column of the located rows is
   * read once too, so that the engine's buffer pool holds them: a point read of a block not yet
   * loaded reads and decompresses it (70 ms for a month of bills at a million customers, against
   * 7 ms once loaded). The engine's memory limit still bounds what stays.
   */
  static async make(store: AnalyticsStore, tables: readonly LocatedTable[], options: { readonly warm?: boolean } = {}): Promise<RowLocator | null> {
    const position = store.dialect.rowPosition;
    if (position === null) return null;
    const slot = new Map<string, number>();
    const ids = await store.queryColumns('SELECT customer_id FROM customers');
    (ids.columns.customer_id as readonly (string | null)[]).forEach((id) => {
      if (id !== null && !slot.has(id)) slot.set(id, slot.size);
    });
    const indexes = new Map<string, Index>();
    const ranges = new Map<string, Range>();
    for (const t of tables) {
      if (options.warm) await warmTable(store, t);
      if (t.range) {
        if (t.where) throw new Error(`a ranged table (${t.table}) is located whole: no where`);
        const set = await store.queryColumns(
          `SELECT customer_id, CAST(min(${position}) AS DOUBLE PRECISION) AS lo, CAST(max(${position}) AS DOUBLE PRECISION) AS hi, CAST(count(*) AS DOUBLE PRECISION) AS n FROM ${t.table} GROUP BY customer_id`,
        );
        const customer = set.columns.customer_id as readonly (string | null)[];
        const [lo, hi, n] = [set.columns.lo, set.columns.hi, set.columns.n] as Float64Array[];
        const range: Range = { first: new Float64Array(slot.size), last: new Float64Array(slot.size), count: new Int32Array(slot.size) };
        customer.forEach((id, i) => {
          const s = id === null ? undefined : slot.get(id);
          if (s === undefined) return;
          range.first[s] = lo?.[i] as number;
          range.last[s] = hi?.[i] as number;
          range.count[s] = n?.[i] as number;
        });
        ranges.set(t.table, range);
        continue;
      }
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
    return new RowLocator(slot, indexes, ranges);
  }

  /** The customer's rows in a ranged table: its first and last rowid and how many rows (0: none); undefined when the locator cannot say. */
  range(table: string, customerId: string): { readonly first: number; readonly last: number; readonly count: number } | undefined {
    const r = this.ranges.get(table);
    const s = this.slot.get(customerId);
    if (!r || s === undefined) return undefined;
    return { first: r.first[s] as number, last: r.last[s] as number, count: r.count[s] as number };
  }

  /** The rowids of the customer's rows in `table` (empty: none); undefined when the locator cannot say. */
  rowids(table: string, customerId: string): number[] | undefined {
    const index = this.indexes.get(table);
    const s = this.slot.get(customerId);
    if (!index || s === undefined) return undefined;
    return Array.from(index.rowids.subarray(index.offsets[s] as number, index.offsets[s + 1] as number));
  }
}

/** Reads every column of the table's located rows (dialect.readAllColumns); a failure only leaves them unloaded. */
async function warmTable(store: AnalyticsStore, t: LocatedTable): Promise<void> {
  const readAll = store.dialect.readAllColumns;
  if (readAll === null) return;
  const where = t.where ? ` WHERE ${t.where.sql}` : '';
  await store.query(readAll(`${t.table}${where}`), t.where?.params ?? []).catch(() => undefined);
}

/**
 * `SELECT <columns> FROM table WHERE customer_id = $1 AND <where> [ORDER BY …]` for one customer:
 * through the locator when it knows the table and every row it names is still the customer's,
 * else as the plain filter. `where` uses parameters from $2 on; `params` starts with the customer.
 *
 * `keep`, the same condition as `where` over a row, lets a located read ask DuckDB for the rowids
 * and the customer alone (a filter on other columns costs the scan several times as much) and
 * check the rest here: every located row must pass it, or the plain filter answers. A ranged
 * table (the customer's first to last rowid) needs `keep` and `sort` (the ORDER BY over rows) when
 * it has `where`/`orderBy`: its located rows are all of the customer's, filtered and sorted here.
 * `columns` (default `*`) must include what `keep` and `sort` read.
 */
export async function pointRead<T extends Row = Row>(
  store: AnalyticsStore,
  locator: RowLocator | null | undefined,
  q: { table: string; where?: string; params: readonly SqlValue[]; orderBy?: string; columns?: string; keep?: (row: T) => boolean; sort?: (a: T, b: T) => number },
): Promise<T[]> {
  const columns = q.columns ?? '*';
  const filter = `customer_id = $1${q.where ? ` AND ${q.where}` : ''}`;
  const order = q.orderBy ? ` ORDER BY ${q.orderBy}` : '';
  const plain = () => store.query<T>(`SELECT ${columns} FROM ${q.table} WHERE ${filter}${order}`, q.params);
  const position = store.dialect.rowPosition;
  const id = String(q.params[0]);
  if (position === null || !locator) return plain();
  const range = locator.range(q.table, id);
  if (range !== undefined) {
    if ((q.where && !q.keep) || (q.orderBy && !q.sort)) return plain();
    if (range.count === 0) return [];
    if (!Number.isSafeInteger(range.first) || !Number.isSafeInteger(range.last)) return plain();
    const rows = await store.query<T>(`SELECT ${columns} FROM ${q.table} WHERE ${position} BETWEEN ${range.first} AND ${range.last} AND customer_id = $1`, [id]);
    if (rows.length !== range.count) return plain();
    const kept = q.keep ? rows.filter(q.keep) : rows;
    return q.sort ? kept.sort(q.sort) : kept;
  }
  const rowids = locator.rowids(q.table, id);
  if (rowids === undefined || !rowids.every((r) => Number.isSafeInteger(r))) return plain();
  // A customer the locator knows with no row there: none (the tables it read change with the data generation only).
  if (rowids.length === 0) return [];
  // One branch per rowid: DuckDB reads a rowid equality from its row group alone (an IN list it scans).
  const located = q.keep ? 'customer_id = $1' : filter;
  const branches = rowids.map((r) => `SELECT ${columns} FROM ${q.table} WHERE ${position} = ${r} AND ${located}`).join(' UNION ALL ');
  const rows = await store.query<T>(`SELECT * FROM (${branches}) AS located${order}`, q.keep ? [id] : q.params);
  return rows.length === rowids.length && (!q.keep || rows.every(q.keep)) ? rows : plain();
}
