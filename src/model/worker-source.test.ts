import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { declareFunctions } from './worker-source.ts';

function run(source: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(`const { parentPort } = require('node:worker_threads');\n${source}`, { eval: true });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('declareFunctions', () => {
  it('keeps the names a (bundled) source calls and binds the aliases the worker uses', async () => {
    // As a bundler may emit them: helper renamed to helper2, consistently in its caller.
    const helper2 = 'function helper2(x) { return __name((y) => y * 2, "double")(x); }';
    const kernel = 'function kernel(x) { return helper2(x) + 1; }';
    const source = declareFunctions({ helper: helper2, compute: kernel, twice: '(x) => x * 2' });
    expect(await run(`${source}\nparentPort.postMessage([compute(20), helper(1), twice(4)]);`)).toEqual([41, 2, 8]);
  });
});
