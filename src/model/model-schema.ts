import { z } from 'zod';
import type { TreeJson } from './tree.ts';

/**
 * The model file format, checked in full before a model is used. A model file is input like
 * any other (an operator's analyst may hand one over, the API will accept uploads) and the
 * prediction loop trusts it: it walks child indices until it reaches a leaf, reads the bin
 * column of the node's feature and the leaf's value. A child pointing back to the root made
 * `model predict` spin forever; an out-of-range feature read another column's bins or
 * undefined. So every index is checked against the arrays it points into, children come
 * strictly after their parent (which rules out cycles and makes one pass enough), every node
 * but the root has exactly one parent, depth is bounded (TreeSHAP recurses once per level) and
 * every number the arithmetic uses is finite.
 */
export const MODEL_LIMITS = {
  trees: 100_000,
  /** Nodes of one tree: a depth-16 full tree has 131,071. */
  nodes: 131_071,
  /** Nodes of all trees: prediction keeps a 256-byte lookup per node (256 MB at this bound). */
  totalNodes: 1_000_000,
  /** Root-to-leaf edges; trained models use 4–6, leaf-wise growth rarely passes 30. */
  depth: 64,
  features: 10_000,
  /** Bins per feature are at most 255, bin 0 being missing and one bin "other". */
  cutsPerFeature: 253,
  text: 1_000,
} as const;

const FORMAT = 'tenure-gbdt';
const VERSION = 1;

const finite = z.number().finite();
const int = z.number().int();
const text = z.string().max(MODEL_LIMITS.text);

const binningSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('numeric'), name: text.min(1), thresholds: z.array(finite).max(MODEL_LIMITS.cutsPerFeature) }),
  z.object({ kind: z.literal('categorical'), name: text.min(1), categories: z.array(text).max(MODEL_LIMITS.cutsPerFeature), other: z.boolean() }),
]);

const calibrationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('platt'), a: finite, b: finite }),
  z.object({ kind: z.literal('isotonic'), x: z.array(finite).max(1_000_000), y: z.array(z.number().min(0).max(1)).max(1_000_000) }),
]);

/**
 * A node array: one loop over plain numbers instead of a schema call per element (a model is
 * millions of them; per-element validation made loading several times slower). The first bad
 * element is reported with its index.
 */
function nodeArray<T extends number>(what: string, ok: (x: number) => boolean) {
  return z
    .custom<T[]>((v) => Array.isArray(v), { message: 'expected a list of numbers' })
    .superRefine((a, ctx) => {
      if (a.length < 1 || a.length > MODEL_LIMITS.nodes) {
        ctx.addIssue({ code: 'custom', message: `a tree has 1–${MODEL_LIMITS.nodes} nodes, not ${a.length}` });
        return;
      }
      for (let i = 0; i < a.length; i++) {
        const x = a[i] as unknown;
        if (typeof x !== 'number' || !ok(x)) {
          ctx.addIssue({ code: 'custom', path: [i], message: `expected ${what}, got ${JSON.stringify(x)}` });
          return;
        }
      }
    });
}
const index = (x: number) => Number.isInteger(x) && x >= -1;

const treeSchema = z.object({
  left: nodeArray('a node index or -1', index),
  right: nodeArray('a node index or -1', index),
  feature: nodeArray('a feature index or -1', index),
  threshold: nodeArray('a bin from -1 to 255', (x) => index(x) && x <= 255),
  default_left: nodeArray<0 | 1>('0 or 1', (x) => x === 0 || x === 1),
  categories: z.record(z.string().regex(/^(0|[1-9][0-9]{0,8})$/, 'category keys are node indices'), z.array(int.min(0).max(255)).max(256)),
  value: nodeArray('a finite number', Number.isFinite),
  cover: nodeArray('a finite number', Number.isFinite),
  gain: nodeArray('a finite number', Number.isFinite),
});

const modelSchema = z.object({
  format: z.literal(FORMAT, { error: `not a ${FORMAT} model (the "format" field must be "${FORMAT}")` }),
  version: z.literal(VERSION, { error: (issue) => `unsupported ${FORMAT} version ${JSON.stringify(issue.input)} (this build reads ${VERSION})` }),
  params: z.record(z.string().max(100), finite).optional(),
  features: z.array(binningSchema).min(1).max(MODEL_LIMITS.features),
  base_score: finite,
  calibration: calibrationSchema.optional(),
  trees: z.array(treeSchema).max(MODEL_LIMITS.trees),
  source: z.unknown().optional(),
});

export type CheckedModelJson = z.infer<typeof modelSchema>;


/** The first structural problem of one tree, in words, or null. Linear in its node count. */
export function treeProblem(t: TreeJson, featureCount: number): string | null {
  const n = t.left.length;
  for (const [name, a] of [['right', t.right], ['feature', t.feature], ['threshold', t.threshold], ['default_left', t.default_left], ['value', t.value], ['cover', t.cover], ['gain', t.gain]] as const) {
    if (a.length !== n) return `"${name}" has ${a.length} entries but "left" has ${n}`;
  }
  const parents = new Uint8Array(n);
  const depth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = t.left[i] as number;
    const r = t.right[i] as number;
    const f = t.feature[i] as number;
    if (l < 0 || r < 0) {
      if (l !== -1 || r !== -1) return `node ${i} has one child (left ${l}, right ${r})`;
      if (f >= featureCount) return `node ${i} names feature ${f}; the model has ${featureCount}`;
      if (t.categories[String(i)] !== undefined) return `leaf ${i} has a category split`;
      continue;
    }
    // Children strictly after the parent: no node can reach itself, so walking a tree ends.
    if (l <= i || r <= i) return `node ${i} points back to node ${Math.min(l, r)} (children must come after their parent)`;
    if (l >= n || r >= n) return `node ${i} points to node ${Math.max(l, r)}; the tree has ${n} nodes`;
    if (l === r) return `node ${i} has the same node ${l} as both children`;
    if (f < 0 || f >= featureCount) return `node ${i} splits on feature ${f}; the model has ${featureCount} (0–${featureCount - 1})`;
    for (const c of [l, r]) {
      if (parents[c]) return `node ${c} has two parents`;
      parents[c] = 1;
      depth[c] = (depth[i] as number) + 1;
      if ((depth[c] as number) > MODEL_LIMITS.depth) return `deeper than ${MODEL_LIMITS.depth} levels`;
    }
  }
  for (let i = 1; i < n; i++) if (!parents[i]) return `node ${i} is not reachable from the root`;
  for (const key of Object.keys(t.categories)) if (Number(key) >= n) return `a category split names node ${key}; the tree has ${n} nodes`;
  return null;
}

/**
 * A model file's content checked against the format; throws an Error whose message says what
 * is wrong and where ("trees.12: node 3 points back to node 0 …"). Callers add the file name.
 */
export function validateModelJson(value: unknown): CheckedModelJson {
  // The schema is not recursive (its nesting is fixed), so unlike definition files a model needs
  // no depth walk first; every list has a bound.
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.map(String).join('.');
    throw new Error(`${path === '' ? '' : `${path}: `}${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''}`);
  }
  const m = parsed.data;
  const names = new Set<string>();
  for (const [i, f] of m.features.entries()) {
    if (names.has(f.name)) throw new Error(`features.${i}: feature ${JSON.stringify(f.name)} appears twice`);
    names.add(f.name);
    if (f.kind === 'numeric') {
      for (let k = 1; k < f.thresholds.length; k++) {
        if (!((f.thresholds[k] as number) > (f.thresholds[k - 1] as number))) throw new Error(`features.${i}: the cut points of ${f.name} are not strictly ascending`);
      }
    }
  }
  const cal = m.calibration;
  if (cal?.kind === 'isotonic') {
    if (cal.x.length !== cal.y.length) throw new Error(`calibration: ${cal.x.length} x values but ${cal.y.length} y values`);
    for (let k = 1; k < cal.x.length; k++) {
      if ((cal.x[k] as number) < (cal.x[k - 1] as number) || (cal.y[k] as number) < (cal.y[k - 1] as number)) throw new Error('calibration: the isotonic map is not ascending');
    }
  }
  const totalNodes = m.trees.reduce((sum, t) => sum + t.left.length, 0);
  if (totalNodes > MODEL_LIMITS.totalNodes) throw new Error(`trees: ${totalNodes} nodes in all; at most ${MODEL_LIMITS.totalNodes} are allowed`);
  for (const [i, t] of m.trees.entries()) {
    const problem = treeProblem(t, m.features.length);
    if (problem) throw new Error(`trees.${i}: ${problem}`);
  }
  return m;
}
