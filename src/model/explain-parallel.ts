import { Worker } from 'node:worker_threads';
import { EXPLAIN_BLOCK, explainKernel, type Explainer } from './explain.ts';
import { declareFunctions } from './worker-source.ts';

/**
 * Contributions of all rows on two threads: the worker takes the second half of the rows
 * and runs the same explainKernel (its source is passed in, as for the histogram worker).
 * Falls back to one thread when a tree needs Lundberg's algorithm or the batch is small,
 * and finishes the worker's half itself when the worker cannot start or fails.
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
${declareFunctions({ explainKernel })}
const { tables, nf, slots, binsBuf, outBuf, n, start, end, block } = workerData;
const bins = new Uint8Array(binsBuf);
const out = new Float64Array(outBuf);
const keys = new Int32Array(slots * block);
const acc = new Float64Array(nf * block);
for (let s = start; s < end; s += block) {
  const e = Math.min(end, s + block);
  explainKernel(tables, nf, keys, acc, bins, n, s, e, out.subarray(s * nf, e * nf));
}
parentPort.postMessage('done');
`;
  const worker = startWorker(source, { tables, nf, slots: explainer.kernelSlots, binsBuf: binsShared.buffer, outBuf: out.buffer, n, start: mid, end: n, block: EXPLAIN_BLOCK });
  // Settles true when the worker has written its half, false when it could not.
  const done = worker
    ? new Promise<boolean>((resolve) => {
        worker.once('message', () => resolve(true));
        worker.once('error', () => resolve(false));
        worker.once('exit', (code) => resolve(code === 0));
      })
    : Promise.resolve(false);
  explainer.explainRows(binsShared, n, 0, mid, out.subarray(0, mid * nf));
  const ok = await done;
  await worker?.terminate();
  // A worker that failed (or never started) leaves its half to this thread.
  if (!ok) explainer.explainRows(binsShared, n, mid, n, out.subarray(mid * nf));
  return out;
}

/** A worker, or undefined when no thread can be had (EAGAIN under a process limit). */
function startWorker(source: string, workerData: unknown): Worker | undefined {
  try {
    return new Worker(source, { eval: true, workerData });
  } catch {
    return undefined;
  }
}
