import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle, currentBundle } from '../bin/cli-bundle.js';

const repo = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tenure-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (file: string) => execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim();

describe('the CLI bundle (bin/cli-bundle.js)', () => {
  const root = join(work, 'project');
  const cache = join(root, 'cache');
  const entry = join(root, 'src', 'main.ts');
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"strict":true}}\n');
  writeFileSync(entry, "import { word } from './word.ts';\nimport data from './data.json' with { type: 'json' };\nconsole.log(`${word()} ${data.n}`);\n");
  writeFileSync(join(root, 'src', 'word.ts'), "export const word = (): string => 'one';\n");
  writeFileSync(join(root, 'src', 'data.json'), '{"n": 1}\n');

  it('is reused while its sources are unchanged and rebuilt when any of them changes', async () => {
    expect(currentBundle(root, cache)).toBeNull();
    const first = await buildBundle(root, entry, cache);
    expect(first).not.toBeNull();
    expect(run(first as string)).toBe('one 1');
    expect(currentBundle(root, cache)).toBe(first);

    writeFileSync(join(root, 'src', 'word.ts'), "export const word = (): string => 'two';\n");
    expect(currentBundle(root, cache)).toBeNull();
    const second = await buildBundle(root, entry, cache);
    expect(second).not.toBe(first);
    expect(run(second as string)).toBe('two 1');

    // Data files compiled into the bundle are watched like code.
    writeFileSync(join(root, 'src', 'data.json'), '{"n": 2}\n');
    expect(currentBundle(root, cache)).toBeNull();
    expect(run((await buildBundle(root, entry, cache)) as string)).toBe('two 2');

    // A bundle that went missing is rebuilt, not imported.
    const third = currentBundle(root, cache) as string;
    rmSync(third);
    expect(currentBundle(root, cache)).toBeNull();

    // The configuration of the compile is watched too.
    await buildBundle(root, entry, cache);
    writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"strict":false}}\n');
    expect(currentBundle(root, cache)).toBeNull();
  });

  it('gives no bundle for sources that do not compile, so the CLI runs them through tsx and reports the error', async () => {
    writeFileSync(join(root, 'src', 'word.ts'), 'export const word = (): string => {\n');
    expect(await buildBundle(root, entry, cache)).toBeNull();
    expect(currentBundle(root, cache)).toBeNull();
  });

  it('runs the CLI with the same output as the sources run through tsx', () => {
    const args = ['retention', 'fit', '--counts', '1000,869,743,653,593,551,517,491', '--json'];
    const bin = join(repo, 'bin', 'tenure.js');
    const bundled = execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const fromSource = execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, TENURE_CLI_FROM_SOURCE: '1' } });
    expect(bundled).toBe(fromSource);
    expect(JSON.parse(bundled).alpha).toBeCloseTo(0.668, 3);
  });
});
