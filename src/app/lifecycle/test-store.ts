/**
 * Small hand-built stores for the analytics tests: rows inserted with SQL into an in-memory
 * DuckDB store. Each helper takes compact tuples so a test reads like its data table.
 */
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import type { AnalyticsStore } from '../../store/port.ts';

export interface CustomerSpec {
  readonly id: string;
  readonly joined: string;
  readonly region?: string;
  readonly type?: 'individual' | 'business';
}

const q = (v: string | number | null | undefined): string =>
  v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`;

export async function memoryStore(): Promise<AnalyticsStore> {
  return DuckDBStore.open(':memory:');
}

export async function addCustomers(store: AnalyticsStore, customers: readonly CustomerSpec[]): Promise<void> {
  if (customers.length === 0) return;
  const rows = customers.map((c) => {
    const region = c.region ?? '甘肃/酒泉/肃州区';
    const [p, city, d] = region.split('/');
    return `(${q(c.id)}, ${q(c.type ?? 'individual')}, DATE ${q(c.joined)}, ${q(region)}, ${q(p)}, ${q(city ?? null)}, ${q(d ?? null)})`;
  });
  await store.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, province, city, district) VALUES ${rows.join(', ')}`);
}

/** [customer, date, type, reason code] */
export async function addExits(store: AnalyticsStore, exits: readonly [string, string, 'voluntary' | 'involuntary', string][]): Promise<void> {
  if (exits.length === 0) return;
  await store.run(
    `INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code) VALUES ${exits.map(([c, d, t, r]) => `(${q(c)}, DATE ${q(d)}, ${q(t)}, ${q(r)})`).join(', ')}`,
  );
}

export interface BillSpec {
  readonly customer: string;
  /** YYYY-MM */
  readonly month: string;
  readonly revenue: number;
  readonly cost?: number;
  readonly voice?: number | null;
  readonly dataMb?: number | null;
  readonly tvHours?: number | null;
  readonly vodOrders?: number | null;
  readonly onNet?: number | null;
}

export async function addBills(store: AnalyticsStore, bills: readonly BillSpec[]): Promise<void> {
  for (let i = 0; i < bills.length; i += 500) {
    const rows = bills.slice(i, i + 500).map(
      (b) =>
        `(${q(b.customer)}, DATE '${b.month}-01', ${b.revenue}, ${b.cost ?? 'NULL'}, ${q(b.voice ?? null)}, ${q(b.dataMb ?? null)}, ${q(b.tvHours ?? null)}, ${q(b.vodOrders ?? null)}, ${q(b.onNet ?? null)})`,
    );
    await store.run(`INSERT INTO monthly_usage (customer_id, month, revenue, cost, voice_minutes, data_mb, tv_hours, vod_orders, on_net_contacts) VALUES ${rows.join(', ')}`);
  }
}

/** [customer, category, start, end|null, fee] */
export async function addSubscriptions(store: AnalyticsStore, subs: readonly [string, string, string, string | null, number][]): Promise<void> {
  if (subs.length === 0) return;
  await store.run(
    `INSERT INTO subscriptions (subscription_id, customer_id, product_id, category, start_date, end_date, monthly_fee) VALUES ${subs
      .map(([c, cat, s, e, fee], i) => `(${q(`S${i}-${c}`)}, ${q(c)}, ${q(cat.toUpperCase())}, ${q(cat)}, DATE ${q(s)}, ${e === null ? 'NULL' : `DATE ${q(e)}`}, ${fee})`)
      .join(', ')}`,
  );
}

/** Bills of `revenue` for every month from `from` to `to` (inclusive, YYYY-MM). */
export function monthlyBills(customer: string, from: string, to: string, revenue: number | ((i: number) => number), extra: Partial<BillSpec> = {}): BillSpec[] {
  const out: BillSpec[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (let i = 0; ; i++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    out.push({ ...extra, customer, month, revenue: typeof revenue === 'number' ? revenue : revenue(i) });
    if (month === to) break;
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
    if (i > 600) throw new RangeError('monthlyBills: to before from');
  }
  return out;
}
