/**
 * Does the demo's retention change its win-back rates? The demo operator with its campaigns
 * (`tenure demo`'s default) against the same seeds without them (`campaigns: false`): winnable
 * leavers (voluntary exits for the reasons the generator lets people come back after, as
 * simulate.ts's WINBACK_CODES) and how many of them came back (a later account with
 * `winback_of` = the leaver), per seed and in all.
 *
 *   npx tsx bench/demo-winback.ts [--customers 20000] [--seeds 1..5]
 *
 * Prints a table and writes bench/out/demo-winback.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toTable } from '../src/cli/output.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { seedList } from './demo-data.ts';

const { values: args } = parseArgs({ options: { customers: { type: 'string', default: '20000' }, seeds: { type: 'string', default: '1..5' } } });
const customers = Number(args.customers);
const seeds = seedList(args.seeds);
/** The reasons after which the demo lets a leaver come back (simulate.ts). */
const WINBACK_CODES = new Set(['101', '102', '103', '105', '205', '206', '207']);

function table(dir: string, file: string): { get: (row: string[], column: string) => string; rows: string[][] } {
  const [head, ...lines] = readFileSync(join(dir, `${file}.csv`), 'utf8').trimEnd().split('\n');
  const columns = (head ?? '').split(',');
  // The demo's CSV quotes only names; the columns read here come before or after them unquoted.
  return { rows: lines.map((l) => l.split(',')), get: (row, column) => row[columns.indexOf(column)] ?? '' };
}

interface Counts {
  leavers: number;
  returned: number;
  members: number;
}

function counts(dir: string): Counts {
  // customers.csv quotes names (they may hold commas): winback_of is read counting from the end.
  const lines = readFileSync(join(dir, 'customers.csv'), 'utf8').trimEnd().split('\n');
  const fromEnd = (lines[0] ?? '').split(',').length - (lines[0] ?? '').split(',').indexOf('winback_of');
  const back = new Set(lines.slice(1).map((l) => { const f = l.split(','); return f[f.length - fromEnd] ?? ''; }).filter((v) => v !== ''));
  const churn = table(dir, 'churn_events');
  const winnable = churn.rows.filter((r) => churn.get(r, 'churn_type') === 'voluntary' && WINBACK_CODES.has(churn.get(r, 'reason_code')));
  let members = 0;
  try {
    members = table(dir, 'campaign_members').rows.length;
  } catch {
    members = 0;
  }
  return { leavers: winnable.length, returned: winnable.filter((r) => back.has(churn.get(r, 'customer_id'))).length, members };
}

const rows: Record<string, string | number>[] = [];
const total = { with: { leavers: 0, returned: 0 }, without: { leavers: 0, returned: 0 } };
for (const seed of seeds) {
  const out: Record<'with' | 'without', Counts> = {} as never;
  for (const campaigns of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), 'tenure-demo-winback-'));
    try {
      await writeDemoDataset({ outDir: dir, customers, months: 24, seed, profile: 'mixed', campaigns });
      out[campaigns ? 'with' : 'without'] = counts(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const k of ['with', 'without'] as const) {
    total[k].leavers += out[k].leavers;
    total[k].returned += out[k].returned;
  }
  rows.push({
    seed,
    members: out.with.members,
    leavers_with: out.with.leavers,
    returned_with: out.with.returned,
    rate_with: (out.with.returned / out.with.leavers).toFixed(4),
    leavers_without: out.without.leavers,
    returned_without: out.without.returned,
    rate_without: (out.without.returned / out.without.leavers).toFixed(4),
  });
}
const rate = (k: 'with' | 'without') => total[k].returned / total[k].leavers;
const se = Math.sqrt(rate('with') * (1 - rate('with')) / total.with.leavers + rate('without') * (1 - rate('without')) / total.without.leavers);
process.stdout.write(`\ndemo win-back with and without its retention campaigns, ${customers} customers × 24 months\n\n`);
process.stdout.write(toTable(Object.keys(rows[0] ?? {}), rows));
process.stdout.write(
  `all seeds: ${total.with.returned} of ${total.with.leavers} (${(100 * rate('with')).toFixed(2)} %) with, ${total.without.returned} of ${total.without.leavers} (${(100 * rate('without')).toFixed(2)} %) without; difference ${(rate('with') - rate('without')).toFixed(4)} = ${((rate('with') - rate('without')) / se).toFixed(2)} standard errors\n`,
);
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'demo-winback.json'), JSON.stringify({ customers, seeds, rows, total }, null, 2) + '\n');
process.stdout.write('wrote bench/out/demo-winback.json\n');
