/**
 * What the operator's x_ columns are worth to the churn model (issue 11.1): the demo operator
 * as generated, and the same files with three x_ usage measures and two x_ customer attributes
 * added (bench/demo-data.ts extraColumnsFolder; one measure, outage hours, runs high in the 3
 * months before a voluntary exit). Each is imported into a fresh store and trained with the
 * defaults; the table gives the holdout AUC, the x_ features the model read, and the times.
 * Writes bench/out/x-columns.json.
 *
 *   npx tsx bench/x-columns.ts                        # 20,000 customers x 24 months, seed 7
 *   npx tsx bench/x-columns.ts --customers 200000 --base-data /path/to/data-200000x24-s7-mixed
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { trainChurnModel } from '../src/app/churn-model/train.ts';
import { isExtraFeature } from '../src/app/churn-model/extra-features.ts';
import type { Profile } from '../src/domain/demo/index.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { demoDataFolder, extraColumnsFolder } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    'base-data': { type: 'string' },
  },
});

const OUT = resolve('bench/out');

async function run(name: string, dir: string) {
  const db = join(OUT, `x-columns-${name}.duckdb`);
  for (const s of ['', '.wal', '.tmp']) rmSync(db + s, { recursive: true, force: true });
  const store = await DuckDBStore.open(db, { readableDirectories: [dir] });
  try {
    let t = performance.now();
    await importDataset(store, dir, { prepareAnalytics: false });
    const importSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const trained = await trainChurnModel(store, { horizon: 3 });
    const trainSeconds = (performance.now() - t) / 1000;
    const m = trained.metrics;
    return {
      data: name,
      holdout: m.holdout,
      auc: m.model.auc,
      pr_auc: m.model.pr_auc,
      tenure_only_auc: m.tenure_only_auc,
      holdout_rows: m.holdout_rows,
      x_features: trained.features.filter(isExtraFeature).map((f) => f.name),
      import_s: importSeconds,
      train_s: trainSeconds,
    };
  } finally {
    await store.close();
    for (const s of ['', '.wal', '.tmp']) rmSync(db + s, { recursive: true, force: true });
  }
}

const base = args['base-data']
  ? resolve(args['base-data'])
  : await demoDataFolder(OUT, { customers: Number(args.customers), months: Number(args.months), seed: Number(args.seed), profile: args.profile as Profile });
const withX = await extraColumnsFolder(base, OUT);
const rows = [await run('demo', base), await run('demo + x_ columns', withX)];
const pad = (v: string | number, n: number) => String(v).padStart(n);
console.log(`${'data'.padEnd(20)}${pad('holdout', 9)}${pad('AUC', 8)}${pad('PR AUC', 8)}${pad('tenure', 8)}${pad('import s', 10)}${pad('train s', 9)}  x_ features`);
for (const r of rows) {
  console.log(
    `${r.data.padEnd(20)}${pad(r.holdout, 9)}${pad(r.auc.toFixed(4), 8)}${pad(r.pr_auc.toFixed(4), 8)}${pad(r.tenure_only_auc.toFixed(4), 8)}${pad(r.import_s.toFixed(1), 10)}${pad(r.train_s.toFixed(1), 9)}  ${r.x_features.join(', ')}`,
  );
}
writeFileSync(join(OUT, 'x-columns.json'), `${JSON.stringify({ base, with_x: withX, rows, at: new Date().toISOString() }, null, 2)}\n`);
