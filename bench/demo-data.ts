/**
 * The demo data folder the import benches share (bench/out/data-<customers>x<months>-s<seed>-<profile>),
 * generated once: a `.complete` marker says a folder was written to the end.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDemoDataset, type Profile } from '../src/domain/demo/index.ts';

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
