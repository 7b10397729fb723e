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

type Frame = { readonly value: unknown; readonly path: readonly (string | number)[] };

/** A dotted path; a very deep one keeps its start and says how deep it is. */
function where(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(file)';
  if (path.length <= 8) return path.map(String).join('.');
  return `${path.slice(0, 6).map(String).join('.')}.… (${path.length} levels)`;
}

/** The first limit the value breaks, or null. Linear in the size of the value, no recursion. */
export function checkJsonLimits(value: unknown, limits: JsonLimits): JsonLimitProblem | null {
  const stack: Frame[] = [{ value, path: [] }];
  let values = 0;
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as Frame;
    if (++values > limits.maxValues) return { path: where(path), message: `more than ${limits.maxValues} values in all` };
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return { path: where(path), message: `text longer than ${limits.maxStringLength} characters (${v.length})` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    // Paths hold one entry per level, so this bound also bounds the cost of copying them.
    if (path.length + 1 > limits.maxDepth) return { path: where(path), message: `nested deeper than ${limits.maxDepth} JSON levels` };
    if (Array.isArray(v)) {
      if (v.length > limits.maxWidth) return { path: where(path), message: `a list of ${v.length} items; at most ${limits.maxWidth} are allowed` };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    const entries = Object.entries(v);
    if (entries.length > limits.maxWidth) return { path: where(path), message: `an object with ${entries.length} members; at most ${limits.maxWidth} are allowed` };
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, member] = entries[i] as [string, unknown];
      if (key.length > limits.maxStringLength) return { path: where(path), message: `a member name longer than ${limits.maxStringLength} characters` };
      stack.push({ value: member, path: [...path, key] });
    }
  }
  return null;
}

/** "path: message", the form the definition parsers report problems in. */
export function describeJsonLimitProblem(p: JsonLimitProblem): string {
  return `${p.path}: ${p.message}`;
}
