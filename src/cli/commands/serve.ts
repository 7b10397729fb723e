import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../../app/store.ts';
import { TenureError } from '../../app/errors.ts';
import { resolveCurrency } from '../output.ts';

export interface ServeOptions {
  db?: string;
  port: string;
  host: string;
  secureCookies?: boolean;
  maxSessions: string;
  currency?: string;
  dataRoot?: string;
  /** Called once the server listens, with its console URL (tenure start --serve prints its account there). */
  onListening?: (url: string) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The built web console (dist/console) of this checkout: found by walking up from this module,
 * which runs from src/cli/commands or from the CLI bundle's cache under node_modules.
 */
export function consoleDirectory(from: string = import.meta.dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'tenure') return join(dir, 'dist', 'console');
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) return null;
  }
}

function whole(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new TenureError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function checkDataRoot(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TenureError('USAGE', `--data-root ${dir}: not a folder`, { file: dir });
  return realpathSync(dir);
}

/**
 * The HTTP API until SIGTERM or SIGINT: then it stops accepting connections, lets the requests
 * in flight finish and closes the store. The server owns the store (DuckDB allows one writer
 * process): accounts (tenure user) and imports wait until it stops, or use a PostgreSQL store.
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const port = whole('--port', opts.port, 0, 65_535);
  const maxSessions = whole('--max-sessions', opts.maxSessions, 1, 256);
  const dataRoot = opts.dataRoot === undefined ? undefined : checkDataRoot(opts.dataRoot);
  // The engine may read the data root and nothing else: import jobs read their folders there.
  const store = await openStore(opts.db, { access: 'read-write', ...(dataRoot === undefined ? {} : { readableDirectories: [dataRoot] }) });
  // The API (hono, OpenAPI, zod) loads for serve only: every other command starts without it.
  const [{ createApi }, { startServer }, { jobsOf }, { getConnInfo }] = await Promise.all([
    import('../../api/index.ts'),
    import('../../api/server.ts'),
    import('../../api/routes/jobs.ts'),
    import('@hono/node-server/conninfo'),
  ]);
  const consoleDir = consoleDirectory();
  if (consoleDir === null || !existsSync(join(consoleDir, 'index.html'))) process.stderr.write('tenure serve: the web console is not built (npm run build:console); serving the API only\n');
  const api = createApi(
    {
      store,
      ...(dataRoot === undefined ? {} : { dataRoot }),
      secureCookies: opts.secureCookies === true,
      maxSessions,
      currency: resolveCurrency(opts),
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined;
        }
      },
    },
    { consoleDir },
  );
  const interrupted = await jobsOf(api)?.recover();
  if (interrupted) process.stderr.write(`tenure serve: ${interrupted} job(s) of the previous run never finished: marked failed (INTERRUPTED)\n`);
  let server;
  try {
    server = await startServer(api, { port, host: opts.host });
  } catch (err) {
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new TenureError('USAGE', `cannot listen on ${opts.host}:${port}: ${code ?? (err as Error).message}`);
  }
  // The whole base's state (the next-best-action context, the latest month's 360 base) is made now,
  // in the background: requests are served meanwhile, those needing it wait for it.
  api.serving.warm().catch((err: unknown) => process.stderr.write(`tenure serve: warming up failed (the first requests will try again): ${(err as Error).message}\n`));
  if (!LOOPBACK.has(opts.host)) process.stderr.write(`tenure serve: listening on ${opts.host}, not only on this machine: put TLS in front (a reverse proxy) and pass --secure-cookies\n`);
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${server.port}/`;
  process.stderr.write(`tenure serve: ${url} (the console at /; store ${store.location}; OpenAPI at /api/openapi.json)\n`);
  opts.onListening?.(url);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`tenure serve: ${signal}: finishing requests in flight, then closing the store\n`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      const jobs = jobsOf(api);
      if (jobs && jobs.busy() > 0) process.stderr.write(`tenure serve: waiting for ${jobs.busy()} job(s) to finish\n`);
      void server
        .close()
        .then(() => jobs?.idle())
        .finally(() => store.close())
        .finally(resolve);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('the HTTP API (/api/v1/…, OpenAPI 3.1 at /api/openapi.json, docs at /api/docs, /healthz, /readyz) with accounts (tenure user), roles, masked personal data and an audit trail; stops gracefully on SIGTERM')
    .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB; postgres://… for the server store)')
    .option('--port <port>', 'TCP port (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on (default loopback only)', '127.0.0.1')
    .option('--secure-cookies', 'mark the session cookie Secure (behind a TLS-terminating proxy)')
    .option('--max-sessions <n>', 'requests reading the store at once (more wait)', '8')
    .option('--data-root <dir>', 'folder whose subfolders import jobs (POST /api/v1/jobs/import) may read; nothing outside it')
    .option('--currency <code>', 'ISO 4217 code of money figures (default $TENURE_CURRENCY or CNY)')
    .action(serve);
}
