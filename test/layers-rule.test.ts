import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rule through the project's own ESLint config: an import against the direction of
 * the layers fails `npm run lint`, one along it passes, and tests may reach across.
 */
const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'tenure/layers').map((m) => m.message);
}

describe('the layer rule (scripts/eslint/layers.js)', () => {
  it.each([
    ['src/domain/lifecycle/x.ts', 'domain must not import store', "import { openStore } from '../../store/open.ts';\nexport const a = openStore;\n"],
    ['src/domain/x.ts', 'domain must not import app', "import { withStore } from '../app/lifecycle/context.ts';\nexport const a = withStore;\n"],
    ['src/model/x.ts', 'model must not import app', "import { TenureError } from '../app/errors.ts';\nexport const a = TenureError;\n"],
    ['src/cli/commands/x.ts', 'cli must not import store', "import { openStore } from '../../store/open.ts';\nexport const a = openStore;\n"],
    ['src/cli/commands/x.ts', 'cli must not import store', "export { openStore } from '../../store/open.ts';\n"],
    ['src/store/x.ts', 'store must not import app', "import { TenureError } from '../app/errors.ts';\nexport const a = TenureError;\n"],
    ['src/app/x.ts', 'app must not import cli', "export async function f() { return import('../cli/main.ts'); }\n"],
  ])('%s: %s', async (file, message, code) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it.each([
    ['src/cli/commands/x.ts', "import { openStore } from '../../app/store.ts';\nexport const a = openStore;\n"],
    ['src/model/x.ts', "import { TenureError } from '../domain/errors.ts';\nexport const a = TenureError;\n"],
    ['src/app/lifecycle/x.ts', "import { parseMonth } from '../../domain/month.ts';\nexport const a = parseMonth;\n"],
    // A folder name that repeats inside another layer is not that layer.
    ['src/domain/campaigns/x.ts', "import { Rng } from '../demo/random.ts';\nexport const a = Rng;\n"],
    ['src/cli/commands/x.test.ts', "import { openStore } from '../../store/open.ts';\nexport const a = openStore;\n"],
  ])('%s may import what it imports here (%#)', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
