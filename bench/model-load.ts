/**
 * What checking a model file on load costs (issue 18.4): loading with the full check
 * (GbdtModel.fromJSON → model-schema.ts) against its peer, the unchecked load the product did
 * before (JSON.parse, the tree arrays copied into typed arrays and the split lookups built),
 * on models of the sizes Tenure trains and well beyond. Both include JSON.parse of the file's
 * text. Also times the refusal of a crafted cyclic model (before: `model predict` never ended).
 *
 *   npx tsx bench/model-load.ts [--runs 7]
 *
 * Trees are complete binary trees in breadth-first order (what depth-wise growth writes) with
 * random features, thresholds and values. Prints a table and writes bench/out/model-load.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GbdtModel } from '../src/model/model.ts';
import { resolveParams } from '../src/model/params.ts';
import { treeFromJson, type TreeJson } from '../src/model/tree.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(args.runs);
const OUT = resolve(import.meta.dirname, 'out');

let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

function completeTree(depth: number, features: number): TreeJson {
  const n = 2 ** (depth + 1) - 1;
  const internal = 2 ** depth - 1;
  const t: TreeJson = { left: [], right: [], feature: [], threshold: [], default_left: [], categories: {}, value: [], cover: [], gain: [] };
  for (let i = 0; i < n; i++) {
    const split = i < internal;
    t.left.push(split ? 2 * i + 1 : -1);
    t.right.push(split ? 2 * i + 2 : -1);
    t.feature.push(split ? Math.floor(rand() * features) : -1);
    t.threshold.push(split ? 1 + Math.floor(rand() * 200) : -1);
    t.default_left.push(rand() < 0.5 ? 1 : 0);
    t.value.push(split ? 0 : rand() - 0.5);
    t.cover.push(1 + rand() * 100);
    t.gain.push(split ? rand() * 10 : 0);
  }
  return t;
}

function modelText(trees: number, depth: number, features: number): string {
  return JSON.stringify({
    format: 'tenure-gbdt',
    version: 1,
    params: { learningRate: 0.1, maxDepth: depth },
    features: Array.from({ length: features }, (_, f) => ({ kind: 'numeric', name: `f${f}`, thresholds: Array.from({ length: 254 - 1 }, (_, k) => k + rand()) })),
    base_score: -1.2,
    calibration: { kind: 'platt', a: 1, b: 0 },
    trees: Array.from({ length: trees }, () => completeTree(depth, features)),
  });
}

/** The load before issue 18.4: no check beyond array lengths. */
function uncheckedLoad(text: string): number {
  const j = JSON.parse(text) as { trees: TreeJson[]; params: object };
  resolveParams(j.params);
  return j.trees.map(treeFromJson).length;
}

function checkedLoad(text: string): number {
  return GbdtModel.fromJSON(JSON.parse(text)).trees.length;
}

function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const shapes = [
  { name: 'customer model (300 trees, depth 4, 30 features)', trees: 300, depth: 4, features: 30 },
  { name: 'flat default (1000 trees, depth 6, 40 features)', trees: 1000, depth: 6, features: 40 },
  { name: 'large (2000 trees, depth 7, 200 features)', trees: 2000, depth: 7, features: 200 },
];
const results = shapes.map((s) => {
  const text = modelText(s.trees, s.depth, s.features);
  uncheckedLoad(text);
  checkedLoad(text);
  const unchecked = median(() => uncheckedLoad(text));
  const checked = median(() => checkedLoad(text));
  return { model: s.name, mb: text.length / 2 ** 20, unchecked_ms: unchecked, checked_ms: checked, overhead: checked / unchecked };
});

// A crafted model: the large shape with one child pointing back to the root in the last tree.
const crafted = JSON.parse(modelText(1000, 6, 40)) as { trees: TreeJson[] };
const last = crafted.trees.at(-1) as TreeJson;
last.left[1] = 0;
const craftedText = JSON.stringify(crafted);
let refusal = '';
const refuseMs = median(() => {
  try {
    checkedLoad(craftedText);
  } catch (err) {
    refusal = (err as Error).message;
  }
});

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad('model', 52)}${pad('MB', 8)}${pad('unchecked ms', 14)}${pad('checked ms', 12)}overhead`);
for (const r of results) console.log(`${pad(r.model, 52)}${pad(r.mb.toFixed(1), 8)}${pad(r.unchecked_ms.toFixed(1), 14)}${pad(r.checked_ms.toFixed(1), 12)}${r.overhead.toFixed(2)}×`);
console.log(`crafted cyclic model (1000 trees, depth 6): refused in ${refuseMs.toFixed(1)} ms: ${refusal}`);

mkdirSync(OUT, { recursive: true });
writeFileSync(
  resolve(OUT, 'model-load.json'),
  JSON.stringify({ date: new Date().toISOString(), runs, cpus: cpus().length, loadavg: loadavg(), peer: 'unchecked load (JSON.parse + treeFromJson, as before issue 18.4)', results, crafted: { refuse_ms: refuseMs, message: refusal } }, null, 2),
);
