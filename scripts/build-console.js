/**
 * Builds the web console (src/web -> dist/console) for `tenure serve`. Runs as the npm `prepare`
 * script, so `npm ci` on a fresh clone leaves a console to serve. Without the dev dependencies
 * (`npm ci --omit=dev`) there is no Vite: the API still serves and `/` says how to build it.
 */
import { join } from 'node:path';

const config = join(import.meta.dirname, '..', 'src', 'web', 'vite.config.ts');

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('build-console: vite is not installed (production install?): the console is not built; the API works without it');
  process.exit(0);
}
await vite.build({ configFile: config, logLevel: 'warn' });
console.log('build-console: built dist/console');
