import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, read, fstatSync, lstatSync, openSync, realpathSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { TenureError } from '../errors.ts';

/**
 * One input file of an import, opened once and read only through that descriptor.
 *
 * - Only regular files: the name is lstat'ed, so a FIFO, device or folder is refused before it
 *   is opened (opening a FIFO would wait for a writer forever); O_NONBLOCK and O_NOFOLLOW make
 *   the open itself safe if the name is swapped in between, and fstat checks what was opened.
 * - Symlinks are refused unless the caller asks to follow them: a link can make an import read
 *   any file the user can read (its first line then shows in a schema error) and makes the
 *   recorded source name a file that was not read. Followed, the link is resolved and the
 *   target is what is recorded and reported.
 * - The engine never sees the user's path: its readers take a path as a glob pattern (`[x]`,
 *   `*`, `?`), so a folder named `g[x]` made it read `gx/…`. It reads a link in the import's
 *   private work folder, named by us, pointing at this process's descriptor (/proc/self/fd on
 *   Linux: the very inode validated), or at the resolved path elsewhere.
 * - The file's identity (device, inode, size, mtime, ctime) is taken at open and checked again
 *   before the file's transaction commits: a file written to during the import fails it.
 */
export interface InputIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** A path DuckDB's glob matches only literally: each metacharacter as a one-character class. */
export function escapeGlob(path: string): string {
  return path.replace(/[*?[]/g, (c) => `[${c}]`);
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const identityOf = (st: Stats): InputIdentity => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
const sameIdentity = (a: InputIdentity, b: InputIdentity) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

const PROC_FD = '/proc/self/fd';
const readAt = promisify(read);

export class InputFile {
  private fd: number | null;
  private engineLink: string | null = null;

  private constructor(
    /** The path as found in the data-set folder. */
    readonly given: string,
    /** The file actually read (the symlink's target when one was followed). */
    readonly path: string,
    /** Whether `given` was a symbolic link that was followed. */
    readonly viaSymlink: boolean,
    fd: number,
    readonly identity: InputIdentity,
  ) {
    this.fd = fd;
  }

  static open(given: string, options: { followSymlinks?: boolean } = {}): InputFile {
    let st: Stats;
    try {
      st = lstatSync(given);
    } catch (err) {
      throw new TenureError('FILE_NOT_FOUND', `cannot read: ${(err as Error).message}`, { file: given });
    }
    // Recorded as the absolute, resolved path of the file actually read.
    let path = given;
    const viaSymlink = st.isSymbolicLink();
    if (viaSymlink) {
      let target = '(unresolvable)';
      try {
        target = realpathSync(given);
      } catch {
        // reported below
      }
      if (!options.followSymlinks) {
        throw new TenureError(
          'BAD_INPUT',
          `is a symbolic link (to ${target}); Tenure imports regular files only: copy the file into the folder, or pass --follow-symlinks to read what the link points to`,
          { file: given },
        );
      }
      if (target === '(unresolvable)') throw new TenureError('FILE_NOT_FOUND', 'is a symbolic link to nothing', { file: given });
      path = target;
      st = lstatSync(path);
    }
    if (!st.isFile()) throw new TenureError('BAD_INPUT', `is ${kind(st)}, not a regular file; refusing to read it`, { file: given });
    if (!viaSymlink) {
      try {
        path = realpathSync(given);
      } catch (err) {
        throw new TenureError('FILE_NOT_FOUND', `cannot read: ${(err as Error).message}`, { file: given });
      }
    }
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    } catch (err) {
      throw new TenureError('FILE_NOT_FOUND', `cannot read: ${(err as Error).message}`, { file: given });
    }
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.dev !== st.dev || opened.ino !== st.ino) {
      closeSync(fd);
      throw new TenureError('BAD_INPUT', 'the file was replaced while it was being opened; refusing to guess', { file: given });
    }
    return new InputFile(given, path, viaSymlink, fd, identityOf(opened));
  }

  get size(): number {
    return this.identity.size;
  }

  /** The open descriptor, for a caller that reads the whole (small) file itself. */
  descriptor(): number {
    if (this.fd === null) throw new Error(`input ${this.given} is closed`);
    return this.fd;
  }

  /**
   * The raw bytes from the start, through the open descriptor (several streams may be read in
   * turn). Positional reads of our own: a fs.ReadStream on the descriptor closes it when a
   * consumer stops early, autoClose or not.
   */
  rawStream(highWaterMark = 1 << 20): Readable {
    const fd = this.descriptor();
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let position = 0; ; ) {
        const buf = Buffer.allocUnsafe(highWaterMark);
        const { bytesRead } = await readAt(fd, buf, 0, highWaterMark, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield bytesRead === highWaterMark ? buf : buf.subarray(0, bytesRead);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /**
   * A glob-free path for the engine's reader, as a link named `name` in the import's private
   * work folder (the name keeps the suffix: the engine picks gzip by `.gz`).
   */
  enginePath(work: string, name: string): string {
    if (this.engineLink === null) {
      const link = join(work, name);
      if (GLOB_CHARS.test(name)) throw new Error(`engine link name ${name} has glob characters`);
      symlinkSync(existsSync(PROC_FD) ? `${PROC_FD}/${this.descriptor()}` : this.path, link);
      this.engineLink = link;
    }
    return escapeGlob(this.engineLink);
  }

  /** SHA-256 of the whole file, read through the descriptor. */
  async sha256(): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of this.rawStream()) hash.update(chunk as Uint8Array);
    return hash.digest('hex');
  }

  /** Throws unless the file is still the one opened, unchanged (call before committing what was read). */
  verifyUnchanged(): void {
    const now = identityOf(fstatSync(this.descriptor()));
    let same = sameIdentity(now, this.identity);
    if (same && !existsSync(PROC_FD)) {
      // The engine opened the path itself: it must still name the same file.
      try {
        same = sameIdentity(identityOf(lstatSync(this.path)), this.identity);
      } catch {
        same = false;
      }
    }
    if (!same) throw new TenureError('BAD_INPUT', 'the file changed while it was imported; nothing of it was loaded', { file: this.given });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
