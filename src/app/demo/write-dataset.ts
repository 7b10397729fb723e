/**
 * `tenure demo` and the main job's demo data: the generator of domain/demo writing each file
 * through the product's safe CSV writer into one folder.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DemoDatasetOptions, type DemoDatasetResult, generateDemoDataset } from '../../domain/demo/index.ts';
import { CsvFileWriter } from './writer.ts';

/** Writes the demo data set into `outDir`; returns rows written per file and the campaigns' planted effects. */
export async function writeDemoDataset(options: DemoDatasetOptions): Promise<DemoDatasetResult> {
  await mkdir(options.outDir, { recursive: true });
  return generateDemoDataset(options, (name, header) => new CsvFileWriter(join(options.outDir, `${name}.csv`), header));
}
