import { CommanderError } from 'commander';
import { TenureError } from '../app/errors.ts';
import { StoreError } from '../store/errors.ts';

/** Exit codes of the CLI contract: 0 ok, 1 data had problems but the command completed, 2 usage/fatal. */
export const EXIT_OK = 0;
export const EXIT_DATA_PROBLEMS = 1;
export const EXIT_FATAL = 2;

export function describeError(err: unknown): { exitCode: number; message: string } {
  if (err instanceof TenureError) {
    const where = [err.location.file, err.location.line, err.location.column].filter((p) => p !== undefined);
    const prefix = where.length ? `${where.join(':')}: ` : '';
    return { exitCode: EXIT_FATAL, message: `${prefix}${err.message}` };
  }
  if (err instanceof StoreError) return { exitCode: EXIT_FATAL, message: err.message };
  if (err instanceof CommanderError) return { exitCode: EXIT_FATAL, message: err.message };
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { exitCode: EXIT_FATAL, message: `internal error: ${message}` };
}
