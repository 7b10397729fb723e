import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../../app/demo/write-dataset.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-demo-determinism-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

async function generate(name: string, seed: number, profile: 'mobile' | 'cable' | 'mixed' = 'mixed'): Promise<Record<string, string>> {
  const dir = join(root, name);
  await writeDemoDataset({ outDir: dir, customers: 600, months: 12, seed, profile });
  return snapshot(dir);
}

describe('demo determinism', () => {
  it('same flags give byte-identical files, also when the folder already holds an older run', async () => {
    const a = await generate('a', 42);
    const b = await generate('b', 42);
    expect(Object.keys(a)).toHaveLength(10);
    expect(b).toEqual(a);
    await writeDemoDataset({ outDir: join(root, 'a'), customers: 50, months: 3, seed: 1, profile: 'cable' });
    expect(await generate('a', 42)).toEqual(a);
  });

  it('a different seed or profile gives different data', async () => {
    const a = await generate('c', 42);
    const other = await generate('d', 43);
    for (const file of ['customers.csv', 'monthly_usage.csv', 'churn_events.csv', 'points_transactions.csv']) expect(other[file]).not.toEqual(a[file]);
    const mobile = await generate('e', 42, 'mobile');
    expect(mobile['subscriptions.csv']).not.toEqual(a['subscriptions.csv']);
  });

  it('leaves no partial files behind and rejects bad options', async () => {
    expect(readdirSync(join(root, 'c')).filter((f) => f.endsWith('.partial'))).toEqual([]);
    await expect(writeDemoDataset({ outDir: join(root, 'x'), customers: 0, months: 12, seed: 1, profile: 'mixed' })).rejects.toThrow(/customers/);
    await expect(writeDemoDataset({ outDir: join(root, 'x'), customers: 10, months: 1.5, seed: 1, profile: 'mixed' })).rejects.toThrow(/months/);
  });

  it('the window ends at the fixed end month, not today', async () => {
    const dir = join(root, 'end');
    await writeDemoDataset({ outDir: dir, customers: 200, months: 6, seed: 3, profile: 'mobile', endMonth: '2023-06' });
    const months = new Set(readFileSync(join(dir, 'monthly_usage.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]));
    expect([...months].sort()).toEqual(['2023-01', '2023-02', '2023-03', '2023-04', '2023-05', '2023-06']);
  });
});
