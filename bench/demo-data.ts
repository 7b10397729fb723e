/**
 * The demo data folder the import benches share (bench/out/data-<customers>x<months>-s<seed>-<profile>),
 * generated once: a `.complete` marker says a folder was written to the end.
 */
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Profile } from '../src/domain/demo/index.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';

export async function demoDataFolder(out: string, o: { customers: number; months: number; seed: number; profile: Profile }): Promise<string> {
  const dir = join(out, `data-${o.customers}x${o.months}-s${o.seed}-${o.profile}`);
  mkdirSync(out, { recursive: true });
  if (!existsSync(join(dir, '.complete'))) {
    process.stderr.write(`generating demo data set in ${dir}…\n`);
    rmSync(dir, { recursive: true, force: true });
    await writeDemoDataset({ outDir: dir, ...o });
    writeFileSync(join(dir, '.complete'), '');
  }
  return dir;
}

/** FNV-1a of a text, as a fraction in [0, 1): deterministic noise per customer (and month). */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;

/** The x_ columns the variant adds, in the contract's format (bench/import.ts --x-columns, the x_ model tests' data). */
export const EXTRA_USAGE_COLUMNS = ['x_outage_hours', 'x_app_sessions', 'x_speed_mbps'] as const;
export const EXTRA_CUSTOMER_COLUMNS = ['x_handset_tier', 'x_credit_score'] as const;

/**
 * A copy of a demo folder with three x_ usage measures and two x_ customer attributes added,
 * deterministic (a hash of the ids, no random state). One carries churn signal: an account's
 * outage hours run high in the 3 months before a voluntary exit (mean 6 h against 0.6 h); the
 * others are noise around a per-customer level (app sessions, line speed, handset tier, credit
 * score). The other files are copied.
 */
export async function extraColumnsFolder(baseDir: string, out: string): Promise<string> {
  const dir = join(out, `${basename(baseDir)}-x`);
  mkdirSync(out, { recursive: true });
  if (existsSync(join(dir, '.complete'))) return dir;
  process.stderr.write(`writing the data set with x_ columns to ${dir}…\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const exits = new Map<string, number>();
  for await (const line of createInterface({ input: createReadStream(join(baseDir, 'churn_events.csv')) })) {
    const [id, date, type] = line.split(',');
    if (id && date && type === 'voluntary') exits.set(id, monthIndex(date));
  }
  const rewrite = async (file: string, header: readonly string[], extra: (fields: string[]) => string[]) => {
    const output = createWriteStream(join(dir, file));
    let first = true;
    for await (const line of createInterface({ input: createReadStream(join(baseDir, file)), crlfDelay: Infinity })) {
      if (line.includes('"')) throw new Error(`${file}: the variant writer appends columns to unquoted lines only`);
      const text = first ? `${line},${header.join(',')}\n` : line === '' ? '' : `${line},${extra(line.split(',')).join(',')}\n`;
      first = false;
      if (!output.write(text)) await once(output, 'drain');
    }
    output.end();
    await once(output, 'finish');
  };
  const tiers = ['entry', 'mid', 'premium', 'flagship'];
  await rewrite('customers.csv', EXTRA_CUSTOMER_COLUMNS, ([id = '']) => {
    const u = unit(`${id}/tier`);
    return [u < 0.05 ? '' : (tiers[Math.floor(((u - 0.05) / 0.95) * tiers.length)] ?? 'mid'), String(300 + Math.floor(unit(`${id}/credit`) * 551))];
  });
  await rewrite('monthly_usage.csv', EXTRA_USAGE_COLUMNS, ([id = '', month = '']) => {
    const exit = exits.get(id);
    const before = exit === undefined ? 99 : exit - monthIndex(month);
    const mean = before >= 1 && before <= 3 ? 6 : 0.6;
    const outage = -Math.log(1 - unit(`${id}/${month}/outage`)) * mean;
    const sessions = Math.round((20 + 200 * unit(`${id}/sessions`)) * (0.7 + 0.6 * unit(`${id}/${month}/sessions`)));
    const speed = (10 + 490 * unit(`${id}/speed`)) * (0.9 + 0.2 * unit(`${id}/${month}/speed`));
    return [outage.toFixed(1), String(sessions), speed.toFixed(2)];
  });
  for (const f of readdirSync(baseDir)) {
    if (f.startsWith('.') || f === 'customers.csv' || f === 'monthly_usage.csv') continue;
    copyFileSync(join(baseDir, f), join(dir, f));
  }
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

/** A benchmark's `--seeds`: a range `a..b` (both included) or a list `a,b,c`. */
export function seedList(spec: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return spec.split(',').map(Number);
}
