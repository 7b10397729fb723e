/** The bundle of the manifest in cacheDir when every file it was built from is unchanged, else null. */
export function currentBundle(root: string, cacheDir: string): string | null;
/** Builds the bundle of `entry` into cacheDir; returns its path, or null when it cannot (no esbuild, compile error, unwritable cache). */
export function buildBundle(root: string, entry: string, cacheDir: string): Promise<string | null>;
/** A bundle of the CLI that matches the sources, building one when needed; null: run the sources through tsx. */
export function cliBundle(root?: string, cacheDir?: string): Promise<string | null>;
