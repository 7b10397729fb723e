/**
 * Source text for a worker built from functions' own source (new Worker(text, { eval: true })),
 * with no module loader needed in the worker. Each function is declared with the source's own
 * text, so it keeps the name that it and its callers use in the running code, even where a
 * bundler renamed it (a bundle may turn gatherGradients into gatherGradients2 to avoid a
 * clash, consistently in the callers' text too), and is also bound to the alias the worker's
 * own code calls it by. The kernels must call only functions passed here.
 */
type AnyFunction = (...args: never[]) => unknown;

/** The transpiler's name helper (esbuild/tsx keepNames) that function bodies may call. */
const PREAMBLE = 'const __name = (fn) => fn;';

export function declareFunctions(fns: Readonly<Record<string, AnyFunction | string>>): string {
  const lines = [PREAMBLE];
  for (const [alias, fn] of Object.entries(fns)) {
    const text = typeof fn === 'string' ? fn : fn.toString();
    const declared = /^(?:async\s+)?function\s*\*?\s*([\w$]+)\s*\(/.exec(text)?.[1];
    if (declared === undefined) {
      lines.push(`const ${alias} = ${text};`); // an expression (arrow function, test double)
      continue;
    }
    lines.push(text);
    if (declared !== alias) lines.push(`const ${alias} = ${declared};`);
  }
  return lines.join('\n');
}
