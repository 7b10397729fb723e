#!/usr/bin/env node
// Runs the CLI from a bundle of the current sources (bin/cli-bundle.js: rebuilt whenever a source
// file changes, so `npx tenure` never lags behind the code), or through tsx when no bundle can be
// had or TENURE_CLI_FROM_SOURCE=1 asks for it.
import { pathToFileURL } from 'node:url';
import { cliBundle } from './cli-bundle.js';

const bundle = process.env.TENURE_CLI_FROM_SOURCE === '1' ? null : await cliBundle();
if (bundle) {
  // Stack traces point into src/ rather than into the bundle.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/run.ts');
}
