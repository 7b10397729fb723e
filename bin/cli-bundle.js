// The CLI's sources bundled by esbuild (tsx's own transformer) into ES modules, cached and
// rebuilt whenever what they were built from changes. Loading plain JS takes about a third of a
// second less than compiling ~100 TypeScript modules through tsx's loader hooks on every call,
// which is most of a fast command's wall time.
//
// Split: every dynamic import() of the sources (the command modules src/cli/commands/index.ts
// loads for the one command asked for, the engines store/open.ts loads for the URL given) is a
// chunk of its own, and a package is imported by the chunks that use it only, so a command pays
// at start for what it runs, not for the API server, the PostgreSQL and ClickHouse clients and
// every other command.
//
// Never stale: esbuild reads every source through the onLoad hook below, which hashes exactly
// the bytes it compiles; the manifest records those hashes (and those of this file, the
// tsconfig and esbuild's package.json), and a bundle is used only when every recorded file
// still has its hash. Packages stay external: Node resolves them from node_modules at run time.
// Each checkout has its own manifest (worktrees may share one node_modules and its cache), and
// bundles are folders named by the digest of their root and inputs, so concurrent builds never
// overwrite each other's files with different code. When no bundle can be had (esbuild missing,
// a compile error, a read-only checkout), the caller runs the sources through tsx as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The manifest of the checkout at `root` (its own: checkouts may share a cache folder). */
const manifestName = (root) => `manifest-${sha(resolve(root)).slice(0, 16)}.json`;

function readManifest(root, cacheDir, file = manifestName(root)) {
  try {
    return JSON.parse(readFileSync(join(cacheDir, file), 'utf8'));
  } catch {
    return null;
  }
}

/** The bundle of the manifest when every file it was built from is unchanged, else null. */
export function currentBundle(root, cacheDir) {
  const m = readManifest(root, cacheDir);
  if (!m || typeof m.bundle !== 'string' || typeof m.inputs !== 'object' || m.inputs === null) return null;
  try {
    for (const [file, digest] of Object.entries(m.inputs)) if (sha(readFileSync(resolve(root, file))) !== digest) return null;
  } catch {
    return null;
  }
  const bundle = join(cacheDir, m.bundle);
  return existsSync(bundle) ? bundle : null;
}

/** Builds the bundle of `entry` (a path under root) into a folder of cacheDir; returns the entry file's path, or null when it cannot. */
export async function buildBundle(root, entry, cacheDir) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return null;
  }
  const inputs = {};
  const record = (file, bytes) => {
    inputs[relative(root, file)] = sha(bytes);
  };
  record(SELF, readFileSync(SELF));
  // The compiler itself: another esbuild may compile the same sources differently.
  try {
    const pkg = join(dirname(createRequire(import.meta.url).resolve('esbuild')), '..', 'package.json');
    record(pkg, readFileSync(pkg));
  } catch {
    // esbuild was importable; a missing package.json only loses this check
  }
  const tsconfig = join(root, 'tsconfig.json');
  try {
    record(tsconfig, readFileSync(tsconfig));
  } catch {
    // no tsconfig: esbuild's defaults, nothing to watch
  }
  const hashing = {
    name: 'hash-inputs',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts|js|mjs|json)$/ }, (args) => {
        const bytes = readFileSync(args.path);
        record(args.path, bytes);
        const loader = args.path.endsWith('.json') ? 'json' : /\.m?ts$/.test(args.path) ? 'ts' : 'js';
        return { contents: bytes, loader };
      });
    },
  };
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      splitting: true,
      target: 'node20',
      packages: 'external',
      write: false,
      sourcemap: 'linked',
      sourcesContent: false,
      outdir: join(cacheDir, 'out'),
      entryNames: 'run',
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
      plugins: [hashing],
    });
  } catch {
    return null; // a compile error: tsx reports it the usual way
  } finally {
    // The build ran in esbuild's service process, which would otherwise live as long as this
    // one, holding a process and its threads while the command runs (workers need them).
    await esbuild.stop?.();
  }
  const digest = sha(JSON.stringify([resolve(root), ...Object.entries(inputs).sort()])).slice(0, 16);
  const name = `run-${digest}`;
  const out = join(cacheDir, 'out');
  if (!result.outputFiles.some((f) => f.path === join(out, 'run.mjs'))) return null;
  const folder = join(cacheDir, name);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `.${name}-${process.pid}-${Date.now()}`;
    mkdirSync(join(cacheDir, tmp));
    for (const f of result.outputFiles) writeFileSync(join(cacheDir, tmp, relative(out, f.path)), f.contents);
    try {
      renameSync(join(cacheDir, tmp), folder);
    } catch (err) {
      // Another process built the same inputs first: its folder holds the same code.
      rmSync(join(cacheDir, tmp), { recursive: true, force: true });
      if (!existsSync(join(folder, 'run.mjs'))) throw err;
    }
    const manifest = join(cacheDir, manifestName(root));
    writeFileSync(`${manifest}${tmp}`, JSON.stringify({ bundle: `${name}/run.mjs`, inputs }, null, 1));
    renameSync(`${manifest}${tmp}`, manifest);
  } catch {
    return null;
  }
  // Older bundles are dead weight, but one another process has just built may be about to load,
  // and a running CLI loads its chunks as it goes: only those untouched for an hour that no
  // checkout's manifest names go.
  try {
    const stale = Date.now() - 3_600_000;
    const named = new Set();
    for (const f of readdirSync(cacheDir)) {
      if (!/^manifest.*\.json$/.test(f)) continue;
      const bundle = readManifest(null, cacheDir, f)?.bundle;
      if (typeof bundle === 'string') named.add(bundle.split('/')[0]);
    }
    for (const f of readdirSync(cacheDir)) {
      if (named.has(f)) continue;
      const path = join(cacheDir, f);
      if ((f.startsWith('run-') || f.startsWith('.run-')) && f !== name && statSync(path).mtimeMs < stale) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // best effort
  }
  return join(folder, 'run.mjs');
}

/** A bundle of the CLI that matches the sources, building one when needed; null: run the sources. */
export async function cliBundle(root = resolve(dirname(SELF), '..'), cacheDir = join(root, 'node_modules', '.cache', 'tenure-cli')) {
  return currentBundle(root, cacheDir) ?? (await buildBundle(root, join(root, 'src', 'cli', 'run.ts'), cacheDir));
}
