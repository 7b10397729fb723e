import { writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDemoDataset } from './src/domain/demo/index.ts';
const dir = join(resolve('bench/out'), 'data-1000000x24-s7-mixed');
rmSync(dir, { recursive: true, force: true });
const t = performance.now();
await writeDemoDataset({ outDir: dir, customers: 1000000, months: 24, seed: 7, profile: 'mixed' });
writeFileSync(join(dir, '.complete'), '');
console.log('done', (performance.now() - t) / 1000);
