/**
 * The layer rule (architecture.md): which top-level folder of src/ may import which. An import
 * is resolved against the importing file, so a folder name that repeats inside a layer (an
 * app/lifecycle beside domain/lifecycle) never confuses it. Tests may reach across layers to set
 * up their fixtures; production code may not.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** Each layer and the layers it may import (besides itself). */
export const LAYERS = {
  contract: [],
  domain: ['contract'],
  model: ['contract', 'domain'],
  store: ['contract'],
  app: ['contract', 'domain', 'model', 'store'],
  // cli launches the HTTP transport (tenure serve); api never imports cli.
  cli: ['contract', 'domain', 'model', 'app', 'api'],
  api: ['contract', 'domain', 'model', 'app'],
  web: [],
};

const isTest = (file) => /\.test\.[cm]?[jt]sx?$/.test(file) || /(^|[/\\])test-support\.[cm]?[jt]s$/.test(file);

/** The layer of a path under src/, or undefined outside it. */
function layerOf(path, srcRoot) {
  const rel = relative(srcRoot, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const top = rel.split(sep)[0];
  return top in LAYERS ? top : undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keep imports between the layers of src/ in the allowed direction' },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: { forbidden: '{{from}} must not import {{to}} ("{{source}}"); {{from}} may import: {{allowed}}' },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = resolve(context.options[0]?.srcRoot ?? resolve(context.cwd, 'src'));
    const from = layerOf(file, srcRoot);
    if (from === undefined || isTest(file)) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = layerOf(resolve(dirname(file), source), srcRoot);
      if (to === undefined || to === from || LAYERS[from].includes(to)) return;
      context.report({ node, messageId: 'forbidden', data: { from, to, source, allowed: LAYERS[from].join(', ') || 'nothing' } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { layers: layersRule } };
