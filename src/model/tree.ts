/**
 * A trained tree as flat arrays (node 0 is the root; children always have larger indices
 * than their parent). Decisions work on bins: for each internal node a 256-entry lookup
 * says whether a bin goes left, which covers numeric thresholds, the learned direction of
 * missing values (bin 0) and categorical subsets alike.
 */
export interface Tree {
  /** Child indices; -1 marks a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Split feature, -1 for a leaf. */
  readonly feature: Int32Array;
  /** Numeric splits: bins 1..threshold go left; -1 for a categorical split. */
  readonly threshold: Int32Array;
  /** Whether missing values (bin 0) go left. */
  readonly defaultLeft: Uint8Array;
  /** Categorical splits: the bins that go left (sorted); null elsewhere. */
  readonly categories: readonly (readonly number[] | null)[];
  /** Leaf output (already scaled by the learning rate); 0 on internal nodes. */
  readonly value: Float64Array;
  /** Hessian sum of the training rows that reached the node (TreeSHAP's cover). */
  readonly cover: Float64Array;
  /** Split gain (loss reduction) on internal nodes. */
  readonly gain: Float64Array;
  /** goLeft lookup: lut[node * 256 + bin]. */
  readonly lut: Uint8Array;
}

export interface TreeJson {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  default_left: number[];
  categories: Record<string, number[]>;
  value: number[];
  cover: number[];
  gain: number[];
}

export interface TreeParts {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  categories: (number[] | null)[];
  value: number[];
  cover: number[];
  gain: number[];
}

export function buildTree(p: TreeParts): Tree {
  const nodes = p.left.length;
  const lut = new Uint8Array(nodes * 256);
  for (let i = 0; i < nodes; i++) {
    if ((p.left[i] as number) < 0) continue;
    const base = i * 256;
    const cats = p.categories[i];
    if (cats) {
      for (const b of cats) lut[base + b] = 1;
    } else {
      lut[base] = p.defaultLeft[i] ? 1 : 0;
      const t = p.threshold[i] as number;
      for (let b = 1; b <= t && b < 256; b++) lut[base + b] = 1;
    }
  }
  return {
    left: Int32Array.from(p.left),
    right: Int32Array.from(p.right),
    feature: Int32Array.from(p.feature),
    threshold: Int32Array.from(p.threshold),
    defaultLeft: Uint8Array.from(p.defaultLeft),
    categories: p.categories.map((c) => (c ? [...c].sort((a, b) => a - b) : null)),
    value: Float64Array.from(p.value),
    cover: Float64Array.from(p.cover),
    gain: Float64Array.from(p.gain),
    lut,
  };
}

export function treeToJson(t: Tree): TreeJson {
  const categories: Record<string, number[]> = {};
  t.categories.forEach((c, i) => {
    if (c) categories[String(i)] = [...c];
  });
  return {
    left: Array.from(t.left),
    right: Array.from(t.right),
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    default_left: Array.from(t.defaultLeft),
    categories,
    value: Array.from(t.value),
    cover: Array.from(t.cover),
    gain: Array.from(t.gain),
  };
}

export function treeFromJson(j: TreeJson): Tree {
  const nodes = j.left.length;
  const fields = [j.right, j.feature, j.threshold, j.default_left, j.value, j.cover, j.gain];
  if (fields.some((f) => !Array.isArray(f) || f.length !== nodes)) throw new Error('tree arrays differ in length');
  const categories = Array.from({ length: nodes }, (_, i) => j.categories[String(i)] ?? null);
  return buildTree({
    left: j.left,
    right: j.right,
    feature: j.feature,
    threshold: j.threshold,
    defaultLeft: j.default_left,
    categories,
    value: j.value,
    cover: j.cover,
    gain: j.gain,
  });
}

/** Leaf index reached by row `row` of a column-major bin matrix with `n` rows. */
export function leafOf(t: Tree, bins: Uint8Array, n: number, row: number): number {
  const { left, right, feature, lut } = t;
  let node = 0;
  let l = left[0] as number;
  while (l >= 0) {
    const b = bins[(feature[node] as number) * n + row] as number;
    node = lut[node * 256 + b] ? l : (right[node] as number);
    l = left[node] as number;
  }
  return node;
}

/** Adds the tree's output to `margin` for every row. */
export function addTreeOutput(t: Tree, bins: Uint8Array, n: number, margin: Float64Array): void {
  const { left, right, feature, lut, value } = t;
  for (let row = 0; row < n; row++) {
    let node = 0;
    let l = left[0] as number;
    while (l >= 0) {
      const b = bins[(feature[node] as number) * n + row] as number;
      node = lut[node * 256 + b] ? l : (right[node] as number);
      l = left[node] as number;
    }
    margin[row]! += value[node] as number;
  }
}

export function treeDepth(t: Tree): number {
  const depth = new Int32Array(t.left.length);
  let max = 0;
  for (let i = 0; i < t.left.length; i++) {
    const l = t.left[i] as number;
    if (l < 0) continue;
    const d = (depth[i] as number) + 1;
    depth[l] = d;
    depth[t.right[i] as number] = d;
    if (d > max) max = d;
  }
  return max;
}
