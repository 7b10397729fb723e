import { CommanderError } from 'commander';
import { TenureError } from '../app/errors.ts';
import { StoreError } from '../app/store.ts';

/** Exit codes of the CLI contract: 0 ok, 1 data had problems but the command completed, 2 usage/fatal. */
export const EXIT_OK = 0;
export const EXIT_DATA_PROBLEMS = 1;
export const EXIT_FATAL = 2;

/**
 * The message for an error that reached the top. Coded errors speak for themselves; anything
 * else is a bug, shown as one line in words: a stack trace tells an operator nothing and
 * tells an attacker which code paths a crafted file reaches, so it is printed only with
 * `--debug` (for the engineer reproducing the bug).
 */
export function describeError(err: unknown, options: { debug?: boolean } = {}): { exitCode: number; message: string } {
  if (err instanceof TenureError) {
    const where = [err.location.file, err.location.line, err.location.column].filter((p) => p !== undefined);
    const prefix = where.length ? `${where.join(':')}: ` : '';
    return { exitCode: EXIT_FATAL, message: `${prefix}${err.message}` };
  }
  if (err instanceof StoreError) return { exitCode: EXIT_FATAL, message: err.message };
  if (err instanceof CommanderError) return { exitCode: EXIT_FATAL, message: err.message };
  if (options.debug) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { exitCode: EXIT_FATAL, message: `internal error: ${message}` };
  }
  const first = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n', 1)[0] ?? '';
  const brief = first.length > 300 ? `${first.slice(0, 300)}…` : first;
  return { exitCode: EXIT_FATAL, message: `internal error: ${brief} (run again with --debug for the details to report)` };
}
