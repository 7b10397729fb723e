import { Worker } from 'node:worker_threads';
import { EXPLAIN_BLOCK, explainKernel, type Explainer } from './explain.ts';

/**
 * Contributions of all rows on two threads: the worker takes the second half of the rows
 * and runs the same explainKernel (its source is passed in, as for the histogram worker).
 * Falls back to one thread when a tree needs Lundberg's algorithm or the batch is small.
 * Returns a row-major n × features matrix.
 */
export async function contributionsParallel(explainer: Explainer, bins: Uint8Array, n: number): Promise<Float64Array> {
  const nf = explainer.featureCount;
  const tables = explainer.kernelTables;
  if (!tables || n < 2 * EXPLAIN_BLOCK) return explainer.contributions(bins, n);
  const binsShared = new Uint8Array(new SharedArrayBuffer(bins.length));
  binsShared.set(bins);
  const out = new Float64Array(new SharedArrayBuffer(8 * n * nf));
  const mid = Math.floor(n / 2 / EXPLAIN_BLOCK) * EXPLAIN_BLOCK;
  const source = `
const { parentPort, workerData } = require('node:worker_threads');
const explainKernel = ${explainKernel.toString()};
const { tables, nf, maxNodes, binsBuf, outBuf, n, start, end, block } = workerData;
const bins = new Uint8Array(binsBuf);
const out = new Float64Array(outBuf);
const masks = new Int32Array(maxNodes);
for (let s = start; s < end; s += block) {
  const e = Math.min(end, s + block);
  explainKernel(tables, nf, masks, bins, n, s, e, out.subarray(s * nf, e * nf));
}
parentPort.postMessage('done');
`;
  const worker = new Worker(source, {
    eval: true,
    workerData: { tables, nf, maxNodes: explainer.maxNodes, binsBuf: binsShared.buffer, outBuf: out.buffer, n, start: mid, end: n, block: EXPLAIN_BLOCK },
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`explanation worker exited with ${code}`))));
  });
  for (let s = 0; s < mid; s += EXPLAIN_BLOCK) {
    const e = Math.min(mid, s + EXPLAIN_BLOCK);
    explainer.explainRows(binsShared, n, s, e, out.subarray(s * nf, e * nf));
  }
  try {
    await done;
  } finally {
    await worker.terminate();
  }
  return out;
}
