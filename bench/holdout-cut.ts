/**
 * Cuts a contract data folder at a month, so a model can be tested on what happened next:
 * the copy holds only what was known at the end of `last` (customers joined by then, bills up
 * to it, interactions and exits before its end, subscriptions started by then with end dates
 * after it blanked), and the truth file holds the closing base of `last` with the label
 * "left within `horizon` months after it" (plus the generator's true probability when the
 * source folder has a p_true.csv). Every file of the source folder is carried over; the
 * contract's files are filtered as above, the others (surveys, offers, ...) copied as read.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { addMonths, monthStart } from '../src/domain/month.ts';

export interface TruthRow {
  readonly customer_id: string;
  readonly churned: number;
  readonly p_true: number | null;
}

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Filters per file: a WHERE clause and, for subscriptions, the end dates not yet known. */
function filterOf(file: string, end: string): { where: string; select?: string } | null {
  switch (file) {
    case 'customers':
      return { where: `join_date < ${sqlText(end)}` };
    case 'subscriptions':
      return { where: `start_date < ${sqlText(end)}`, select: `* REPLACE (CASE WHEN end_date >= ${sqlText(end)} THEN NULL ELSE end_date END AS end_date)` };
    case 'monthly_usage':
      return { where: `month < ${sqlText(end.slice(0, 7))}` };
    case 'interactions':
      return { where: `ts < ${sqlText(end)}` };
    case 'churn_events':
      return { where: `churn_date < ${sqlText(end)}` };
    default:
      return null;
  }
}

/** Writes the cut folder `dst` (replaced) and the truth of the closing base of `last` (CSV at `truthPath`), and returns it. */
export async function cutAtMonth(src: string, dst: string, truthPath: string, last: string, horizon: number): Promise<TruthRow[]> {
  const end = monthStart(addMonths(last, 1));
  const labelEnd = monthStart(addMonths(last, 1 + horizon));
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const read = (path: string) => `read_csv(${sqlText(path)}, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true)`;
    for (const name of readdirSync(src)) {
      if (!name.endsWith('.csv') || name === 'p_true.csv') continue;
      const file = name.slice(0, -4);
      const filter = filterOf(file, end);
      if (!filter) {
        copyFileSync(join(src, name), join(dst, name));
        continue;
      }
      await con.run(`COPY (SELECT ${filter.select ?? '*'} FROM ${read(join(src, name))} WHERE ${filter.where}) TO ${sqlText(join(dst, name))} (HEADER, DELIMITER ',')`);
    }
    const pTrue = existsSync(join(src, 'p_true.csv'));
    const reader = await con.runAndReadAll(`
      SELECT c.customer_id,
             CASE WHEN e.churn_date >= ${sqlText(end)} AND e.churn_date < ${sqlText(labelEnd)} THEN 1 ELSE 0 END AS churned,
             ${pTrue ? 'CAST(t.p_true AS DOUBLE)' : 'CAST(NULL AS DOUBLE)'} AS p_true
      FROM ${read(join(src, 'customers.csv'))} c
      LEFT JOIN ${read(join(src, 'churn_events.csv'))} e USING (customer_id)
      ${pTrue ? `LEFT JOIN ${read(join(src, 'p_true.csv'))} t USING (customer_id)` : ''}
      WHERE c.join_date < ${sqlText(end)} AND (e.churn_date IS NULL OR e.churn_date >= ${sqlText(end)})
      ORDER BY c.customer_id`);
    const rows = reader.getRowObjects().map((r) => ({ customer_id: String(r.customer_id), churned: Number(r.churned), p_true: r.p_true === null ? null : Number(r.p_true) }));
    writeFileSync(truthPath, 'customer_id,churned,p_true\n' + rows.map((r) => `${r.customer_id},${r.churned},${r.p_true ?? ''}`).join('\n') + '\n');
    return rows;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
