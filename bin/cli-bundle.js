// The CLI's sources bundled into one ES module by esbuild (tsx's own transformer), cached and
// rebuilt whenever what it was built from changes. Loading one plain-JS file takes about a
// third of a second less than compiling ~100 TypeScript modules through tsx's loader hooks on
// every call, which is most of a fast command's wall time.
//
// Never stale: esbuild reads every source through the onLoad hook below, which hashes exactly
// the bytes it compiles; the manifest records those hashes (and those of this file, the
// tsconfig and esbuild's package.json), and a bundle is used only when every recorded file
// still has its hash. Packages stay external: Node resolves them from node_modules at run time.
// Bundles are named by the digest of their inputs, so concurrent builds never overwrite each
// other's file with different code. When no bundle can be had (esbuild missing,
// a compile error, a read-only checkout), the caller runs the sources through tsx as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

function readManifest(cacheDir) {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** The bundle of the manifest when every file it was built from is unchanged, else null. */
export function currentBundle(root, cacheDir) {
  const m = readManifest(cacheDir);
  if (!m || typeof m.bundle !== 'string' || typeof m.inputs !== 'object' || m.inputs === null) return null;
  try {
    for (const [file, digest] of Object.entries(m.inputs)) if (sha(readFileSync(resolve(root, file))) !== digest) return null;
  } catch {
    return null;
  }
  const bundle = join(cacheDir, m.bundle);
  return existsSync(bundle) ? bundle : null;
}

/** Builds the bundle of `entry` (a path under root) into cacheDir; returns its path, or null when it cannot. */
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
      target: 'node20',
      packages: 'external',
      write: false,
      sourcemap: 'external',
      sourcesContent: false,
      outfile: join(cacheDir, 'run.mjs'),
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
  const digest = sha(JSON.stringify(Object.entries(inputs).sort())).slice(0, 16);
  const name = `run-${digest}.mjs`;
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!js) return null;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `.${process.pid}-${Date.now()}`;
    if (map) {
      writeFileSync(join(cacheDir, `${name}.map${tmp}`), map.contents);
      renameSync(join(cacheDir, `${name}.map${tmp}`), join(cacheDir, `${name}.map`));
    }
    writeFileSync(join(cacheDir, name + tmp), js.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${name}.map\n`));
    renameSync(join(cacheDir, name + tmp), join(cacheDir, name));
    writeFileSync(join(cacheDir, `manifest.json${tmp}`), JSON.stringify({ bundle: name, inputs }, null, 1));
    renameSync(join(cacheDir, `manifest.json${tmp}`), join(cacheDir, 'manifest.json'));
  } catch {
    return null;
  }
  // Older bundles are dead weight, but one another process has just built may be about to load:
  // only those untouched for an hour go.
  try {
    const stale = Date.now() - 3_600_000;
    for (const f of readdirSync(cacheDir)) {
      const path = join(cacheDir, f);
      if (f.startsWith('run-') && !f.startsWith(name) && statSync(path).mtimeMs < stale) rmSync(path, { force: true });
    }
  } catch {
    // best effort
  }
  return join(cacheDir, name);
}

/** A bundle of the CLI that matches the sources, building one when needed; null: run the sources. */
export async function cliBundle(root = resolve(dirname(SELF), '..'), cacheDir = join(root, 'node_modules', '.cache', 'tenure-cli')) {
  return currentBundle(root, cacheDir) ?? (await buildBundle(root, join(root, 'src', 'cli', 'run.ts'), cacheDir));
}
