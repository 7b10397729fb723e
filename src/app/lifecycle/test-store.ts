/**
 * Small hand-built stores for the analytics tests: rows inserted with SQL into an in-memory
 * DuckDB store. Each helper takes compact tuples so a test reads like its data table.
 */
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { seeded } from '../../domain/test-random.ts';

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

/**
 * A small mixed operator (random joins, exits, bills with gaps and declines, product mixes), the
 * same rows on every engine (the engine parity tests).
 */
export async function loadMixedOperator(store: AnalyticsStore): Promise<void> {
  const rand = seeded(20261206);
  const customers = [];
  const exits: [string, string, 'voluntary' | 'involuntary', string][] = [];
  const bills: BillSpec[] = [];
  const subs: [string, string, string, string | null, number][] = [];
  const cats = ['voice', 'mobile_data', 'broadband', 'tv_basic', 'tv_hd', 'vod', 'bundle'];
  for (let i = 0; i < 120; i++) {
    const id = `m${String(i).padStart(3, '0')}`;
    const jy = 2022 + Math.floor(rand() * 3);
    const jm = 1 + Math.floor(rand() * 12);
    const joined = `${jy}-${String(jm).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    customers.push({ id, joined, type: rand() < 0.2 ? ('business' as const) : ('individual' as const), region: rand() < 0.5 ? '甘肃/酒泉/肃州区' : '四川/成都' });
    const from = jy < 2024 ? '2024-01' : joined.slice(0, 7);
    const churn = rand() < 0.3 ? `2024-${String(Math.max(Number(from.slice(5)), 1 + Math.floor(rand() * 12))).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}` : null;
    if (churn && churn > joined) exits.push([id, churn, rand() < 0.8 ? 'voluntary' : 'involuntary', rand() < 0.8 ? '101' : '335']);
    const to = churn && churn > joined ? churn.slice(0, 7) : '2024-12';
    if (from <= to) {
      const base = 20 + Math.round(rand() * 100);
      const decline = rand() < 0.3;
      for (const b of monthlyBills(id, from, to, (k) => Math.round((decline && k > 6 ? base * 0.5 : base) * 100 + rand() * 99) / 100, { voice: Math.round(rand() * 500) })) {
        if (rand() > 0.1) bills.push({ ...b, cost: Math.round(rand() * 2000) / 100 });
      }
    }
    const n = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < n; k++) subs.push([id, cats[Math.floor(rand() * cats.length)]!, joined, rand() < 0.2 ? '2024-06-30' : null, Math.round(rand() * 100)]);
  }
  await addCustomers(store, customers);
  await addExits(store, exits);
  await addBills(store, bills);
  await addSubscriptions(store, subs);
}
