/**
 * The issue-12 campaign figures at scale: on 1M customers × 24 months, `tenure campaign design`
 * of a 200k-member campaign (target ≤ 10 s) and `tenure campaign evaluate` of it (target ≤ 2 s),
 * each as its own CLI process (`node bin/tenure.js …`, start-up included), as a user runs them.
 *
 *   npx tsx bench/campaigns-1m.ts [--db bench/out/analytics-1000000x24-s7-mixed.duckdb] [--members 200000] [--runs 3]
 *
 * The store is a copy of the imported 1M demo (bench/analytics.ts builds it; copy it into this
 * worktree's bench/out). The bench works on a second copy, `<db>.campaigns.duckdb`, which it
 * prepares once and reuses:
 * - a store imported before contract v2 has no offers and no marketing consent: the bench adds
 *   the demo's offer catalogue (DEMO_OFFER_LINES) and consent with the demo generator's shares
 *   (72 % yes, 13 % no, 15 % blank), as a v2 export of the same operator would have them;
 * - the churn model is trained and the base scored as of the month before the campaign starts
 *   through the CLI (`model train --max-train-rows`, `score --as-of`), timed as setup;
 * - the target file is the `--members` riskiest consenting customers still active at the start,
 *   so the whole list is assigned;
 * - campaign BENCH-K1 is designed through the CLI (the first design timing) with a start inside
 *   the data and its 3-month window complete, and its members get contact results standing in
 *   for the contact center's import: 70 % of offer-arm members reached, 35 % of those accepting,
 *   1 % of the control contacted (contamination).
 * The import of those results would keep the campaign's window sums (its window has run its
 * course): the bench does what the import does after loading (keepCampaignArmSums).
 * Timed: `campaign design` `--runs` times more on the same targets under new ids (each removed
 * again, so every run sees the same store), `campaign evaluate BENCH-K1 --json` `--runs` times.
 * Peers in the same run: CLI start-up (`--help`) and DuckDB's own query of the arm sums (churn in
 * the window and revenue per arm of the 200k members), in-process on the same store.
 *
 * Prints a table and writes bench/out/campaigns-1m.json.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keepCampaignArmSums } from '../src/app/campaigns/evaluate.ts';
import { toTable } from '../src/cli/output.ts';
import { DEMO_OFFER_LINES } from '../src/domain/demo/rows.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/analytics-1000000x24-s7-mixed.duckdb' },
    members: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    'max-train-rows': { type: 'string', default: '400000' },
  },
});

const OUT = resolve('bench/out');
const source = resolve(args.db);
const work = `${source.replace(/\.duckdb$/, '')}.campaigns.duckdb`;
const members = Number(args.members);
const runs = Math.max(1, Number(args.runs));
const CAMPAIGN = 'BENCH-K1';
const ARMS = 'control:0.2,R10:0.4,DATA5G:0.4';
const targetsFile = join(OUT, `campaigns-1m-targets-${members}.csv`);
const membersFile = join(OUT, 'campaigns-1m-members.csv');

interface CliRun {
  readonly wall_ms: number;
  /** User + system CPU of the process and its threads (GNU time): what the run costs whatever the load. */
  readonly cpu_s: number | null;
  readonly peak_rss_mb: number | null;
  /** 1-minute load average when the run started (2 cores: above 2 means waiting for a core). */
  readonly load: number;
  readonly stdout: string;
}

/** One CLI process, wall time from spawn to exit; CPU and peak RSS from GNU time when present. */
function cli(argv: readonly string[]): CliRun {
  const gnuTime = existsSync('/usr/bin/time');
  const cmd = gnuTime ? '/usr/bin/time' : process.execPath;
  const full = gnuTime ? ['-f', 'TENURE_BENCH %M %U %S', process.execPath, 'bin/tenure.js', ...argv] : ['bin/tenure.js', ...argv];
  const load = loadavg()[0] ?? 0;
  const t = performance.now();
  const res = spawnSync(cmd, full, { encoding: 'utf8', maxBuffer: 256 << 20 });
  const wall = performance.now() - t;
  if (res.status !== 0) throw new Error(`tenure ${argv.join(' ')} failed (${res.status}): ${res.stderr}`);
  const m = /TENURE_BENCH (\d+) ([\d.]+) ([\d.]+)/.exec(res.stderr ?? '');
  return {
    wall_ms: Math.round(wall),
    cpu_s: m ? Number((Number(m[2]) + Number(m[3])).toFixed(2)) : null,
    peak_rss_mb: m ? Math.round(Number(m[1]) / 1024) : null,
    load: Number(load.toFixed(2)),
    stdout: res.stdout,
  };
}

async function withWork<T>(fn: (s: DuckDBStore) => Promise<T>): Promise<T> {
  const store = await DuckDBStore.open(work);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const num = (v: unknown) => Number(v ?? 0);
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

/** Months of the copy: the campaign starts in the last-but-2 month so its 3-month window is in the data. */
async function layout(): Promise<{ last: string; scoreAsOf: string; start: string }> {
  const [r] = await withWork((s) => s.query<{ last: string }>(`SELECT strftime(max(month), '%Y-%m') AS last FROM monthly_usage`));
  const last = String(r?.last);
  const [y, m] = last.split('-').map(Number) as [number, number];
  const shift = (k: number) => {
    const i = y * 12 + (m - 1) + k;
    return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
  };
  return { last, scoreAsOf: shift(-3), start: `${shift(-2)}-06` };
}

async function setup(): Promise<Record<string, unknown>> {
  const steps: Record<string, unknown> = {};
  if (!existsSync(work)) {
    if (!existsSync(source)) throw new Error(`no store at ${source}: build it with bench/analytics.ts or copy it into bench/out`);
    copyFileSync(source, work);
  }
  const { scoreAsOf, start } = await layout();
  steps.score_as_of = scoreAsOf;
  steps.start_date = start;
  await withWork(async (s) => {
    const [o] = await s.query<{ n: number }>('SELECT count(*) AS n FROM offers');
    if (num(o?.n) === 0) {
      for (const line of DEMO_OFFER_LINES) {
        const f = line.trimEnd().split(',');
        const v = (i: number) => (f[i] === undefined || f[i] === '' ? null : f[i]);
        await s.run(
          `INSERT INTO offers (offer_id, name, kind, monthly_discount, months, unit_cost, contact_cost, points, commitment_months)
           VALUES ($1, $2, $3, CAST($4 AS DECIMAL(18,6)), CAST($5 AS INTEGER), CAST($6 AS DECIMAL(18,6)), CAST($7 AS DECIMAL(18,6)), CAST($8 AS INTEGER), CAST($9 AS INTEGER))`,
          [v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8)],
        );
      }
      steps.offers_added = DEMO_OFFER_LINES.length;
    }
    const [c] = await s.query<{ n: number }>('SELECT count(marketing_consent) AS n FROM customers');
    if (num(c?.n) === 0) {
      await s.run(`UPDATE customers SET marketing_consent = CASE WHEN hash(customer_id, 'consent') % 100 < 72 THEN true
                                                              WHEN hash(customer_id, 'consent') % 100 < 85 THEN false END`);
      steps.consent_added = true;
    }
  });
  const [model] = await withWork((s) => s.query<{ n: number }>('SELECT count(*) AS n FROM churn_models'));
  if (num(model?.n) === 0) {
    const r = cli(['model', 'train', '--db', work, '--max-train-rows', String(args['max-train-rows']), '--json']);
    steps.model_train_s = seconds(r.wall_ms);
    process.stderr.write(`model train: ${steps.model_train_s} s\n`);
  }
  const [scored] = await withWork((s) => s.query<{ n: number }>('SELECT count(*) AS n FROM churn_scores WHERE as_of = CAST($1 AS DATE)', [`${scoreAsOf}-01`]));
  if (num(scored?.n) === 0) {
    const r = cli(['score', '--db', work, '--as-of', scoreAsOf, '--top', '1', '--format', 'csv']);
    steps.score_s = seconds(r.wall_ms);
    process.stderr.write(`score --as-of ${scoreAsOf}: ${steps.score_s} s\n`);
  }
  if (!existsSync(targetsFile)) {
    const ids = await withWork((s) =>
      s.query<{ customer_id: string }>(
        `SELECT c.customer_id FROM customers c
         JOIN churn_scores sc ON sc.customer_id = c.customer_id AND sc.as_of = CAST($1 AS DATE)
         LEFT JOIN churn_events e ON e.customer_id = c.customer_id
         WHERE c.marketing_consent AND (e.churn_date IS NULL OR e.churn_date >= CAST($2 AS DATE))
         ORDER BY sc.churn_probability DESC, c.customer_id LIMIT ${members}`,
        [`${scoreAsOf}-01`, start],
      ),
    );
    writeFileSync(targetsFile, 'customer_id\n' + ids.map((r) => r.customer_id).join('\n') + '\n');
  }
  const [existing] = await withWork((s) => s.query<{ n: number }>('SELECT count(*) AS n FROM campaigns WHERE campaign_id = $1', [CAMPAIGN]));
  if (num(existing?.n) === 0) {
    const r = cli(['campaign', 'design', '--db', work, '--id', CAMPAIGN, '--start', start, '--target', targetsFile, '--arms', ARMS, '--seed', '7', '--out', membersFile, '--json']);
    rmSync(membersFile, { force: true });
    steps.first_design = { wall_s: seconds(r.wall_ms), peak_rss_mb: r.peak_rss_mb };
    process.stderr.write(`first campaign design: ${seconds(r.wall_ms)} s\n`);
    // The contact center's results, as an import of campaign_members would bring them.
    await withWork((s) =>
      s.run(
        `UPDATE campaign_members SET
           contacted_ts = CASE WHEN (arm <> 'control' AND hash(customer_id, 'reach') % 100 < 70) OR (arm = 'control' AND hash(customer_id, 'reach') % 100 < 1)
                               THEN CAST($2 AS TIMESTAMP) + to_days(CAST(hash(customer_id, 'day') % 10 AS INTEGER)) END,
           channel = CASE WHEN hash(customer_id, 'reach') % 100 < 70 THEN 'phone' END,
           response = CASE WHEN arm <> 'control' AND hash(customer_id, 'reach') % 100 < 70
                           THEN (CASE WHEN hash(customer_id, 'accept') % 100 < 35 THEN 'accepted' ELSE 'declined' END) END
         WHERE campaign_id = $1`,
        [CAMPAIGN, `${start} 10:00:00`],
      ),
    );
  }
  // What the import of those results does after loading (import-dataset.ts): keep the window
  // sums of campaigns whose window has run its course, so evaluate reads them, not the bills.
  const t = performance.now();
  const kept = await withWork((s) => keepCampaignArmSums(s));
  if (kept.length > 0) {
    steps.keep_window_sums = { campaigns: kept, s: seconds(performance.now() - t) };
    process.stderr.write(`kept window sums of ${kept.join(', ')}: ${seconds(performance.now() - t)} s\n`);
  }
  return steps;
}

/** DuckDB's own query of the arm sums evaluate needs (churn in the window, revenue), in-process. */
async function peerArmSums(start: string): Promise<number> {
  const store = await DuckDBStore.open(work, { access: 'read-only' });
  try {
    const t = performance.now();
    await store.query(
      `SELECT m.arm, count(*) AS members,
              count(*) FILTER (WHERE e.churn_date >= CAST($2 AS DATE) AND e.churn_date < CAST($2 AS DATE) + INTERVAL 3 MONTH) AS churned,
              sum(r.revenue) AS revenue
       FROM campaign_members m LEFT JOIN churn_events e ON e.customer_id = m.customer_id
       LEFT JOIN (SELECT customer_id, sum(revenue) AS revenue FROM monthly_usage
                  WHERE month >= date_trunc('month', CAST($2 AS DATE)) AND month < date_trunc('month', CAST($2 AS DATE)) + INTERVAL 3 MONTH
                  GROUP BY customer_id) r ON r.customer_id = m.customer_id
       WHERE m.campaign_id = $1 GROUP BY m.arm`,
      [CAMPAIGN, start],
    );
    return Math.round(performance.now() - t);
  } finally {
    await store.close();
  }
}

const setupSteps = await setup();
const { start } = await layout();
// Build the CLI bundle outside the timings (the first call after a source change does).
cli(['--help']);
const startup = Array.from({ length: runs }, () => cli(['--help']));

const evaluate: CliRun[] = [];
for (let r = 0; r < runs; r++) evaluate.push(cli(['campaign', 'evaluate', CAMPAIGN, '--db', work, '--json']));
const evaluated = JSON.parse(evaluate[0]?.stdout ?? '{}') as { campaigns?: { status: string; arms: { arm: string; members: number; churn_rate: number | null; uplift: number | null }[] }[] };

const design: CliRun[] = [];
let designJson: { arms?: { arm: string; members: number }[]; strata?: unknown } = {};
for (let r = 0; r < runs; r++) {
  const id = `BENCH-D${r + 1}`;
  const run = cli(['campaign', 'design', '--db', work, '--id', id, '--start', start, '--target', targetsFile, '--arms', ARMS, '--seed', String(11 + r), '--out', membersFile, '--json']);
  design.push(run);
  designJson = JSON.parse(run.stdout) as typeof designJson;
  rmSync(membersFile, { force: true });
  await withWork(async (s) => {
    await s.run('DELETE FROM campaign_members WHERE campaign_id = $1', [id]);
    await s.run('DELETE FROM campaign_arm_sums WHERE campaign_id = $1', [id]);
    await s.run('DELETE FROM campaigns WHERE campaign_id = $1', [id]);
  });
}
const peer = await peerArmSums(start);

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1] as number;
const assigned = (designJson.arms ?? []).reduce((n, a) => n + a.members, 0);
const row = (what: string, runs_: readonly CliRun[], target: number | null) => ({
  what,
  median_s: seconds(median(runs_.map((d) => d.wall_ms))),
  runs_s: runs_.map((d) => seconds(d.wall_ms)).join('/'),
  cpu_s: runs_.map((d) => d.cpu_s ?? '').join('/'),
  load: runs_.map((d) => d.load).join('/'),
  target_s: target,
  peak_rss_mb: Math.max(...runs_.map((d) => d.peak_rss_mb ?? 0)),
});
const rows = [
  row(`campaign design (${assigned} assigned of ${members} targets)`, design, 10),
  row(`campaign evaluate ${CAMPAIGN} --json`, evaluate, 2),
  row('peer: CLI start-up (--help)', startup, null),
  { what: 'peer: DuckDB arm sums, in-process', median_s: seconds(peer), runs_s: String(seconds(peer)), cpu_s: '', load: '', target_s: null, peak_rss_mb: null },
];
process.stdout.write(`\n1M customers × 24 months, ${members}-member campaign from ${start}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n\n`);
process.stdout.write(toTable(['what', 'median_s', 'runs_s', 'cpu_s', 'load', 'target_s', 'peak_rss_mb'], rows));
const status = evaluated.campaigns?.[0]?.status;
process.stdout.write(`evaluate: status ${status}, arms ${(evaluated.campaigns?.[0]?.arms ?? []).map((a) => `${a.arm} ${a.members} churn ${a.churn_rate} uplift ${a.uplift}`).join('; ')}\n`);
mkdirSync(OUT, { recursive: true });
writeFileSync(
  join(OUT, 'campaigns-1m.json'),
  JSON.stringify({ db: source, work, members, runs, start, cores: cpus().length, load_average: loadavg(), setup: setupSteps, strata: designJson.strata ?? null, results: rows }, null, 2) + '\n',
);
process.stdout.write('wrote bench/out/campaigns-1m.json\n');
