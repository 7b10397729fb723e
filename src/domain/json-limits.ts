/**
 * Shape limits for user-supplied JSON (segment definitions, lifecycle rules, model files),
 * checked before any schema sees the value. Schema validators (zod) and the code that walks a
 * definition recurse once per nesting level, so a file nested a few thousand levels deep would
 * end in a stack overflow instead of an error in words; this walk is iterative, so it cannot.
 */
export interface JsonLimits {
  /** Nesting of arrays and objects; the top-level value is depth 1. */
  readonly maxDepth: number;
  /** Values of any kind in the whole document (each array element, object member, scalar). */
  readonly maxValues: number;
  /** Characters of one string, object keys included. */
  readonly maxStringLength: number;
  /** Elements of one array or members of one object. */
  readonly maxWidth: number;
}

export interface JsonLimitProblem {
  /** Where, as a dotted path ("3.when.all.0"); "(file)" for the top level. */
  readonly path: string;
  readonly message: string;
}

/** A container still to visit; its path is rebuilt from the parent links only for a problem. */
type Frame = { readonly value: object; readonly parent: Frame | null; readonly key: string | number; readonly depth: number };

function pathOf(frame: Frame | null, last?: string | number): (string | number)[] {
  const path: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f !== null && f.parent !== null; f = f.parent) path.push(f.key);
  return path.reverse();
}

/** A dotted path; a very deep one keeps its start and says how deep it is. */
function where(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(file)';
  if (path.length <= 8) return path.map(String).join('.');
  return `${path.slice(0, 6).map(String).join('.')}.… (${path.length} levels)`;
}

/**
 * The first limit the value breaks, or null. Linear in the size of the value, no recursion;
 * scalars are checked in place (a model file is millions of numbers), containers are stacked.
 */
export function checkJsonLimits(value: unknown, limits: JsonLimits): JsonLimitProblem | null {
  let values = 0;
  const scalar = (v: unknown, frame: Frame | null, key?: string | number): JsonLimitProblem | null => {
    if (++values > limits.maxValues) return { path: where(pathOf(frame, key)), message: `more than ${limits.maxValues} values in all` };
    if (typeof v === 'string' && v.length > limits.maxStringLength) return { path: where(pathOf(frame, key)), message: `text longer than ${limits.maxStringLength} characters (${v.length})` };
    return null;
  };
  if (value === null || typeof value !== 'object') return scalar(value, null);
  const stack: Frame[] = [{ value, parent: null, key: '', depth: 1 }];
  values = 1;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const v = frame.value;
    if (frame.depth > limits.maxDepth) return { path: where(pathOf(frame)), message: `nested deeper than ${limits.maxDepth} JSON levels` };
    const entries: [string | number, unknown][] | null = Array.isArray(v) ? null : Object.entries(v);
    const width = entries ? entries.length : (v as unknown[]).length;
    if (width > limits.maxWidth) {
      return { path: where(pathOf(frame)), message: entries ? `an object with ${width} members; at most ${limits.maxWidth} are allowed` : `a list of ${width} items; at most ${limits.maxWidth} are allowed` };
    }
    for (let i = width - 1; i >= 0; i--) {
      const [key, member] = entries ? (entries[i] as [string, unknown]) : [i, (v as unknown[])[i]];
      if (typeof key === 'string' && key.length > limits.maxStringLength) return { path: where(pathOf(frame)), message: `a member name longer than ${limits.maxStringLength} characters` };
      if (member !== null && typeof member === 'object') {
        if (++values > limits.maxValues) return { path: where(pathOf(frame, key)), message: `more than ${limits.maxValues} values in all` };
        stack.push({ value: member, parent: frame, key, depth: frame.depth + 1 });
      } else {
        const problem = scalar(member, frame, key);
        if (problem) return problem;
      }
    }
  }
  return null;
}

/** "path: message", the form the definition parsers report problems in. */
export function describeJsonLimitProblem(p: JsonLimitProblem): string {
  return `${p.path}: ${p.message}`;
}
