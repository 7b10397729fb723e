import { randomBytes } from 'node:crypto';
import { closeSync, constants, createWriteStream, fsyncSync, lstatSync, openSync, renameSync, statSync, unlinkSync, writeSync, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TenureError } from '../errors.ts';

/**
 * The one way the product writes a file (rejects, model --out, demo data): a temporary file in
 * the destination's folder, created exclusively (O_EXCL, never following a symlink), filled,
 * flushed, then renamed over the destination. A reader never sees a half-written file, a
 * symlink at the destination is refused rather than followed (it could point anywhere the user
 * can write), and every check runs when the output is opened, so a command can open its outputs
 * before it changes anything (the import opens --rejects before it commits a row).
 *
 * Files holding data are created 0600 by default: rejects name customers' ids and lines.
 */
export const PRIVATE_FILE = 0o600;
export const SHARED_FILE = 0o644;

export interface OutputOptions {
  /** Permission bits of the new file (default 0600). */
  readonly mode?: number;
  /** Names the flag in messages, e.g. "--rejects". */
  readonly what?: string;
}

function refuse(path: string, what: string | undefined, reason: string): never {
  throw new TenureError('USAGE', `${what ? `${what}: ` : ''}cannot write ${path}: ${reason}`, { file: path });
}

/** Refuses a destination that is a symlink, or anything but a regular file when it exists. */
function checkDestination(path: string, what: string | undefined): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    refuse(path, what, (err as Error).message);
  }
  if (st.isSymbolicLink()) refuse(path, what, 'it is a symbolic link (refusing to write through it; remove it or give another path)');
  if (st.isDirectory()) refuse(path, what, 'it is a folder');
  if (!st.isFile()) refuse(path, what, 'it exists and is not a regular file');
}

export class OutputFile {
  private fd: number | null;
  private done = false;

  private constructor(
    /** The destination as given. */
    readonly path: string,
    readonly tempPath: string,
    fd: number,
    private readonly what: string | undefined,
  ) {
    this.fd = fd;
  }

  /**
   * Checks the destination and creates the temporary file next to it; every problem (no such
   * folder, not writable, a symlink or folder at the destination) is a usage error naming the path.
   */
  static open(path: string, options: OutputOptions = {}): OutputFile {
    const what = options.what;
    if (path.trim() === '') refuse(path, what, 'empty path');
    const dest = resolve(path);
    const dir = dirname(dest);
    try {
      if (!statSync(dir).isDirectory()) refuse(path, what, `${dir} is not a folder`);
    } catch (err) {
      if (err instanceof TenureError) throw err;
      refuse(path, what, `folder ${dir} does not exist`);
    }
    checkDestination(dest, what);
    const tempPath = join(dir, `.${basename(dest)}.${randomBytes(6).toString('hex')}.tmp`);
    let fd: number;
    try {
      // O_EXCL with O_CREAT fails on any existing entry, a symlink included: the name is ours alone.
      fd = openSync(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), options.mode ?? PRIVATE_FILE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      refuse(path, what, code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `folder ${dir} is not writable` : (err as Error).message);
    }
    return new OutputFile(path, tempPath, fd, what);
  }

  /** Writes all of `data` (synchronously: outputs are small pages written between queries). */
  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`output ${this.path} is already closed`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      this.abort();
      throw new TenureError('BAD_INPUT', `cannot write ${this.path}: ${(err as Error).message}`, { file: this.path });
    }
  }

  /**
   * A stream over the temporary file for large outputs written with backpressure; it does not
   * close the file, so wait for it to finish, then commit.
   */
  stream(highWaterMark = 1 << 16): WriteStream {
    if (this.fd === null) throw new Error(`output ${this.path} is already closed`);
    return createWriteStream(this.tempPath, { fd: this.fd, autoClose: false, highWaterMark });
  }

  /** Flushes and moves the file into place (re-checking that no symlink appeared there meanwhile). */
  commit(): void {
    if (this.done) return;
    const fd = this.fd;
    if (fd === null) throw new Error(`output ${this.path} was aborted`);
    try {
      fsyncSync(fd);
      closeSync(fd);
      this.fd = null;
      checkDestination(resolve(this.path), this.what);
      renameSync(this.tempPath, resolve(this.path));
      this.done = true;
    } catch (err) {
      this.abort();
      if (err instanceof TenureError) throw err;
      throw new TenureError('BAD_INPUT', `cannot write ${this.path}: ${(err as Error).message}`, { file: this.path });
    }
  }

  /** Removes the temporary file; the destination is left as it was. Safe to call twice. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // already gone
    }
  }
}

/** Writes a whole file safely (see OutputFile). */
export function writeFileSafely(path: string, data: string | Uint8Array, options: OutputOptions = {}): void {
  const out = OutputFile.open(path, options);
  out.write(data);
  out.commit();
}
