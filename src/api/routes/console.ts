import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Api } from '../app.ts';

/**
 * The web console (src/web, built into dist/console by `npm run build:console`): its files at
 * /assets/… and its page at / and at every console path (the single-page app's own routes), so
 * a shared URL with filters opens the same view. Never in the way of /api, /healthz or /readyz.
 * The console's CSP allows its own scripts and styles and nothing else (ECharts' tooltips need
 * inline style attributes, not inline scripts).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

const ASSET = /^\/assets\/([A-Za-z0-9._-]+)$/;
const NOT_CONSOLE = /^\/(api|healthz|readyz)(\/|$)/;

export function consoleRoutes(api: Api, dir: string | null): void {
  let page: string | null = null;
  const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tenure</title></head><body><h1>Tenure</h1><p>The web console is not built: run <code>npm run build:console</code> and restart <code>tenure serve</code>. The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;
  api.app.get('*', async (c, next) => {
    const path = c.req.path;
    if (NOT_CONSOLE.test(path)) return next();
    const asset = ASSET.exec(path);
    if (asset) {
      const type = TYPES[extname(asset[1] as string)];
      const bytes = dir === null || type === undefined ? null : await readFile(join(dir, 'assets', asset[1] as string)).catch(() => null);
      if (bytes === null) return next();
      c.header('Content-Security-Policy', CONSOLE_CSP);
      // Vite names assets by their content: a name never changes its bytes.
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      c.header('Content-Type', type as string);
      return c.body(bytes);
    }
    // Files (favicon.ico, robots.txt) are not console pages.
    if (extname(path) !== '') return next();
    page ??= dir === null ? null : await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
    c.header('Content-Security-Policy', CONSOLE_CSP);
    c.header('Cache-Control', 'no-cache');
    return page === null ? c.html(notBuilt, 503) : c.html(page);
  });
}
