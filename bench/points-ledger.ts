/**
 * Issue 13's ledger figure: a property test of random postings, redemptions, adjustments,
 * replacements (changed rows of known transaction_ids) and expiries, run through the real ledger
 * code on a real store: each batch is a points_transactions CSV posted by importContractFile (the
 * path of `tenure points post`), each expiry run is expirePoints (`tenure points expire`).
 *
 *   npx tsx bench/points-ledger.ts [--ops 1000000] [--batch 10000] [--customers 5000] [--seed 1] [--expiry-months 12] [--fifo-every 10]
 *
 * An independent in-memory oracle (written here, not the domain module) posts the same rows and
 * predicts which are refused (insufficient_points). After every batch the bench checks:
 *   - the import's accepted/rejected counts = the oracle's;
 *   - for every customer: balance (Σ entries) = the oracle's balance = Σ remaining of the store's lots;
 *   - never negative: the running balance Σ entries with ts ≤ t is ≥ 0 for every customer at every t;
 *   - re-posting the batch just posted changes none of the rows it loaded (no entry for them); a
 *     row refused before is tried again and loads only where the oracle says it now fits (a
 *     reversal later in time order gave points back);
 * every --fifo-every batches (and at the end): every lot's remaining points = the oracle's (FIFO
 * order respected), and a random earlier batch is re-posted: what it changes (rows changed since
 * are changed back, rows refused then that fit now load) must be exactly what the oracle does.
 * Prints a table and writes bench/out/points-ledger.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importContractFile, importDataset } from '../src/app/import/import-dataset.ts';
import { expirePoints } from '../src/app/points/ledger.ts';
import { toTable } from '../src/cli/output.ts';
import { seeded } from '../src/domain/test-random.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    customers: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    'expiry-months': { type: 'string', default: '12' },
    'fifo-every': { type: 'string', default: '10' },
  },
});
const OPS = Number(args.ops);
const BATCH = Number(args.batch);
const CUSTOMERS = Number(args.customers);
const EXPIRY_MONTHS = Number(args['expiry-months']);
const FIFO_EVERY = Number(args['fifo-every']);
const rnd = seeded(Number(args.seed));
const OUT = resolve('bench/out');
const work = join(OUT, `points-ledger-s${args.seed}`);
const TZ = 'Asia/Shanghai';

// ---------------------------------------------------------------------------------------------
// The oracle: lots per customer, FIFO by (earn ts, posting order), live while ts < expiry day.

interface OLot {
  readonly key: string; // transaction_id#version
  readonly seq: number;
  readonly ts: string;
  readonly expiresOn: string;
  remaining: number;
}
interface OPosting {
  readonly customer: string;
  readonly ts: string;
  readonly points: number; // signed
  readonly lot: OLot | null;
  readonly took: { lot: OLot; points: number }[];
}
const lotsByCustomer = new Map<string, OLot[]>();
const current = new Map<string, OPosting>(); // transaction_id → its standing posting
let seq = 0;
let version = 0;

function addMonthsClamped(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + months;
  const last = new Date(Date.UTC(y + Math.floor(m / 12), (m % 12) + 1, 0)).getUTCDate();
  const d = Math.min(Number(date.slice(8, 10)), last);
  return `${y + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function take(lots: OLot[], points: number, ts: string, own: OLot | null): { lot: OLot; points: number }[] | null {
  const day = ts.slice(0, 10);
  const live = lots.filter((l) => l !== own && l.remaining > 0 && l.ts <= ts && l.expiresOn > day).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.seq - b.seq));
  const order = own && own.remaining > 0 ? [own, ...live] : live;
  if (order.reduce((n, l) => n + l.remaining, 0) < points) return null;
  const out: { lot: OLot; points: number }[] = [];
  let left = points;
  for (const l of order) {
    if (left === 0) break;
    const t = Math.min(left, l.remaining);
    l.remaining -= t;
    left -= t;
    out.push({ lot: l, points: t });
  }
  return out;
}

/** Posts one row; false (and nothing changed) when the ledger must refuse it. */
function oraclePost(row: Row): boolean {
  const lots = lotsByCustomer.get(row.customer) ?? [];
  lotsByCustomer.set(row.customer, lots);
  const signed = row.kind === 'redeem' ? -row.points : row.points;
  const old = current.get(row.id);
  if (old && old.customer === row.customer && old.ts === row.ts && old.points === signed) return true; // unchanged
  const undo: (() => void)[] = [];
  if (old) {
    if (old.points > 0) {
      const took = take(lots, old.points, old.ts, old.lot);
      if (!took) return false;
      undo.push(() => took.forEach((t) => (t.lot.remaining += t.points)));
    } else {
      old.took.forEach((t) => (t.lot.remaining += t.points));
      undo.push(() => old.took.forEach((t) => (t.lot.remaining -= t.points)));
    }
  }
  if (signed > 0) {
    const lot: OLot = { key: `${row.id}#${version++}`, seq: seq++, ts: row.ts, expiresOn: addMonthsClamped(row.ts.slice(0, 10), EXPIRY_MONTHS), remaining: signed };
    lots.push(lot);
    current.set(row.id, { customer: row.customer, ts: row.ts, points: signed, lot, took: [] });
    return true;
  }
  const took = take(lots, -signed, row.ts, null);
  if (!took) {
    undo.forEach((u) => u());
    return false;
  }
  current.set(row.id, { customer: row.customer, ts: row.ts, points: signed, lot: null, took });
  return true;
}

function oracleExpire(asOf: string): number {
  let n = 0;
  for (const lots of lotsByCustomer.values()) {
    for (const l of lots) {
      if (l.expiresOn <= asOf && l.remaining > 0) {
        l.remaining = 0;
        n++;
      }
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Random rows.

interface Row {
  readonly id: string;
  readonly customer: string;
  readonly ts: string;
  readonly kind: 'earn' | 'redeem' | 'adjust';
  readonly points: number;
}
const customerId = (i: number) => `C${String(i).padStart(6, '0')}`;
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const DAYS_PER_BATCH = 10;
const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const rowsOf = new Map<string, Row>(); // latest version of each transaction
const batchOf = new Map<string, number>(); // transaction → the batch that last wrote it
const batchRows: Row[][] = [];
/** Batches one of whose accepted rows a later batch changed: re-posting them would change it back. */
const touched = new Set<number>();

/** Posts a file's rows to the oracle in the ledger's order (ts, then file order); counts what the import should report. */
function oracleFile(rows: readonly Row[], b: number): { accepted: number; inserted: number; updated: number } {
  const order = rows.map((r, i) => ({ r, i })).sort((a, c) => (a.r.ts < c.r.ts ? -1 : a.r.ts > c.r.ts ? 1 : a.i - c.i));
  const out = { accepted: 0, inserted: 0, updated: 0 };
  for (const { r } of order) {
    const had = current.get(r.id);
    if (!oraclePost(r)) continue;
    out.accepted++;
    const signed = r.kind === 'redeem' ? -r.points : r.points;
    if (!had) out.inserted++;
    else if (had.points !== signed) {
      out.updated++;
      const from = batchOf.get(r.id);
      if (from !== undefined && from !== b) touched.add(from);
    } else continue;
    rowsOf.set(r.id, r);
    batchOf.set(r.id, b);
  }
  return out;
}

function randomBatch(b: number, size: number): Row[] {
  const end = START + (b + 1) * DAYS_PER_BATCH * DAY;
  const rows: Row[] = [];
  const inBatch = new Set<string>();
  const known = [...rowsOf.keys()];
  for (let i = 0; i < size; i++) {
    const r = rnd();
    if (r < 0.03 && known.length > 0) {
      // A changed row of a known transaction (an earlier batch's): new points, same kind and time.
      const id = known[Math.floor(rnd() * known.length)] as string;
      const old = rowsOf.get(id) as Row;
      if (inBatch.has(id) || batchOf.get(id) === b) continue;
      inBatch.add(id);
      rows.push({ ...old, points: old.kind === 'adjust' ? (rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 100)) : 1 + Math.floor(rnd() * 300) });
      continue;
    }
    // Up to 20 days back-dated: rows do not arrive in time order.
    const ts = fmt(end - Math.floor(rnd() * (DAYS_PER_BATCH + 20) * DAY));
    const customer = customerId(Math.floor(rnd() * CUSTOMERS));
    const kind = r < 0.5 ? 'earn' : r < 0.88 ? 'redeem' : 'adjust';
    const points = kind === 'adjust' ? (rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 100)) : 1 + Math.floor(rnd() * 300);
    const id = `B${b}-${i}`;
    inBatch.add(id);
    rows.push({ id, customer, ts, kind, points });
  }
  return rows;
}

function writeBatch(path: string, rows: readonly Row[]): void {
  writeFileSync(path, ['transaction_id,customer_id,ts,kind,points', ...rows.map((r) => `${r.id},${r.customer},${r.ts},${r.kind},${r.points}`)].join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'data'), { recursive: true });
  const data = join(work, 'data');
  writeFileSync(join(data, 'customers.csv'), ['customer_id,customer_type,join_date,region', ...Array.from({ length: CUSTOMERS }, (_, i) => `${customerId(i)},individual,2020-01-01,甘肃`)].join('\n') + '\n');
  writeFileSync(join(data, 'monthly_usage.csv'), 'customer_id,month,revenue\nC000000,2024-01,1\n');
  writeFileSync(join(data, 'churn_events.csv'), 'customer_id,churn_date,churn_type,reason_code\n');
  const store = await DuckDBStore.open(join(work, 'ledger.duckdb'), { readableDirectories: [work] });
  const failures: string[] = [];
  const fail = (what: string) => {
    failures.push(what);
    process.stderr.write(`FAIL ${what}\n`);
  };
  const t0 = performance.now();
  const time = { post: 0, repost: 0, expire: 0, checks: 0 };
  const totals = { rows: 0, accepted: 0, rejected: 0, replaced: 0, expired_lots: 0, reposts: 0, repost_changes: 0, earlier_reposts: 0, earlier_reposts_of_changed_batches: 0, earlier_repost_changes: 0, fifo_checks: 0, lots_compared: 0, entries: 0 };
  try {
    await importDataset(store, data, { timezone: TZ, prepareAnalytics: false });
    const n = async (sql: string) => Number((await store.query<{ n: number | bigint | null }>(sql))[0]?.n ?? 0);
    const entries = () => n('SELECT count(*) AS n FROM points_entries');
    const post = async (file: string) => {
      const r = await importContractFile(store, 'points_transactions', file, { timezone: TZ, pointsExpiryMonths: EXPIRY_MONTHS });
      const f = r.files[0];
      if (!f || f.status !== 'loaded') throw new Error(`${file}: not loaded: ${f?.errors.join('; ')}`);
      return f;
    };
    const batches = Math.ceil(OPS / BATCH);
    let ops = 0;
    for (let b = 0; ops < OPS; b++) {
      const rows = randomBatch(b, Math.min(BATCH, OPS - ops));
      const file = join(work, `batch-${b}.csv`);
      writeBatch(file, rows);
      batchRows.push(rows);
      const { accepted, updated: replaced } = oracleFile(rows, b);
      let t = performance.now();
      const f = await post(file);
      time.post += performance.now() - t;
      ops += rows.length;
      totals.rows += rows.length;
      totals.accepted += f.accepted;
      totals.rejected += f.rejected;
      totals.replaced += f.updated;
      if (f.accepted !== accepted || f.rejected !== rows.length - accepted) fail(`batch ${b}: accepted ${f.accepted}/${f.rejected} rejected, oracle ${accepted}/${rows.length - accepted}`);
      if (f.updated !== replaced) fail(`batch ${b}: ${f.updated} replaced, oracle ${replaced}`);

      t = performance.now();
      // Re-posting it: the rows it loaded change nothing; a row refused before is tried again (it
      // can fit now only if a reversal later in time order gave points back), exactly as the oracle says.
      const before = await entries();
      const want = oracleFile(rows, b);
      const again = await post(file);
      totals.reposts++;
      totals.repost_changes += again.inserted + again.updated;
      const added = (await entries()) - before;
      if (again.updated !== want.updated || again.inserted !== want.inserted || added !== want.inserted + 2 * want.updated) {
        fail(`batch ${b}: re-posting it: ${again.inserted} inserted, ${again.updated} updated, ${added} entries; oracle ${want.inserted}, ${want.updated}`);
      }
      time.repost += performance.now() - t;

      if (b % 5 === 4) {
        const asOf = fmt(START + (b + 1) * DAYS_PER_BATCH * DAY).slice(0, 10);
        t = performance.now();
        const run = await expirePoints(store, asOf);
        time.expire += performance.now() - t;
        const expected = oracleExpire(asOf);
        totals.expired_lots += run.lots;
        ops += run.lots;
        if (run.lots !== expected) fail(`expiry as of ${asOf}: ${run.lots} lots, oracle ${expected}`);
        if ((await expirePoints(store, asOf)).lots !== 0) fail(`expiry as of ${asOf} is not idempotent`);
      }

      t = performance.now();
      // Balance = Σ entries = oracle = Σ lots remaining, every customer.
      const stored = await store.query<{ customer_id: string; balance: number; lots: number }>(
        `SELECT e.customer_id, e.balance, coalesce(l.lots, 0) AS lots FROM
           (SELECT customer_id, sum(points) AS balance FROM points_entries GROUP BY customer_id) e
         LEFT JOIN (SELECT x.customer_id, sum(x.points - coalesce(a.used, 0)) AS lots FROM points_entries x
                    LEFT JOIN (SELECT lot_entry_id, sum(points) AS used FROM points_allocations GROUP BY 1) a ON a.lot_entry_id = x.entry_id
                    WHERE x.points > 0 AND x.kind <> 'reversal' GROUP BY 1) l USING (customer_id)`,
      );
      const seen = new Set<string>();
      for (const s of stored) {
        seen.add(s.customer_id);
        const want = (lotsByCustomer.get(s.customer_id) ?? []).reduce((m, l) => m + l.remaining, 0);
        if (Number(s.balance) !== want || Number(s.lots) !== want) fail(`batch ${b}: ${s.customer_id} balance ${s.balance}, lots ${s.lots}, oracle ${want}`);
      }
      for (const [c, lots] of lotsByCustomer) if (!seen.has(c) && lots.some((l) => l.remaining !== 0)) fail(`batch ${b}: ${c} missing from the store`);
      const negative = await n(`SELECT count(*) AS n FROM (
          SELECT sum(sum(points)) OVER (PARTITION BY customer_id ORDER BY ts) AS running FROM points_entries GROUP BY customer_id, ts) WHERE running < 0`);
      if (negative > 0) fail(`batch ${b}: ${negative} points in time with a negative balance`);

      if ((b + 1) % FIFO_EVERY === 0 || ops >= OPS) {
        // FIFO: each standing lot's remaining points = the oracle's.
        totals.fifo_checks++;
        const lots = await store.query<{ transaction_id: string; remaining: number }>(
          `SELECT x.transaction_id, x.points - coalesce(a.used, 0) AS remaining
           FROM (SELECT * FROM points_entries WHERE kind <> 'reversal' AND transaction_id IS NOT NULL
                 QUALIFY entry_id = max(entry_id) OVER (PARTITION BY transaction_id)) x
           LEFT JOIN (SELECT lot_entry_id, sum(points) AS used FROM points_allocations GROUP BY 1) a ON a.lot_entry_id = x.entry_id
           WHERE x.points > 0`,
        );
        for (const l of lots) {
          const want = current.get(l.transaction_id);
          totals.lots_compared++;
          if (!want?.lot || want.lot.remaining !== Number(l.remaining)) fail(`lot of ${l.transaction_id}: ${l.remaining} left, oracle ${want?.lot?.remaining ?? 'no lot'}`);
        }
        // Re-post a random earlier batch: a row of it changed since is changed back (a changed row
        // replaces), a row refused then is tried again; the ledger must do exactly what the oracle does.
        if (b > 0) {
          const k = Math.floor(rnd() * b);
          if (touched.has(k)) totals.earlier_reposts_of_changed_batches++;
          const want = oracleFile(batchRows[k] ?? [], k);
          const again = await post(join(work, `batch-${k}.csv`));
          totals.earlier_reposts++;
          totals.earlier_repost_changes += again.inserted + again.updated;
          if (again.inserted !== want.inserted || again.updated !== want.updated) {
            fail(`re-post of batch ${k}: ${again.inserted} inserted, ${again.updated} updated; oracle ${want.inserted}, ${want.updated}`);
          }
        }
      }
      time.checks += performance.now() - t;
      process.stderr.write(`\rbatch ${b + 1}/${batches}: ${ops.toLocaleString('en-US')} operations, ${failures.length} failures   `);
    }
    process.stderr.write('\n');
    totals.entries = await entries();
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    bench: 'points-ledger',
    ops: totals.rows + totals.expired_lots,
    batch: BATCH,
    customers: CUSTOMERS,
    seed: Number(args.seed),
    expiry_months: EXPIRY_MONTHS,
    ...totals,
    failures: failures.length,
    first_failures: failures.slice(0, 20),
    seconds: Number(seconds.toFixed(1)),
    post_seconds: Number((time.post / 1000).toFixed(1)),
    repost_seconds: Number((time.repost / 1000).toFixed(1)),
    expire_seconds: Number((time.expire / 1000).toFixed(1)),
    check_seconds: Number((time.checks / 1000).toFixed(1)),
    machine: { cpus: cpus().length, load: loadavg().map((x) => Number(x.toFixed(2))) },
  };
  const rows = Object.entries(result)
    .filter(([k]) => !['first_failures', 'machine'].includes(k))
    .map(([k, v]) => ({ figure: k, value: String(v) }));
  process.stdout.write(toTable(['figure', 'value'], rows) + '\n');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'points-ledger.json'), JSON.stringify(result, null, 2) + '\n');
  rmSync(work, { recursive: true, force: true });
  if (failures.length > 0) process.exitCode = 1;
}

await main();
