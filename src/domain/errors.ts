/**
 * Coded domain errors. Each transport maps a code to its own signal in one place:
 * cli/errors.ts (exit code + message), api/ (HTTP status + JSON body).
 */
export type TenureErrorCode =
  | 'USAGE' // bad flags or arguments
  | 'FILE_NOT_FOUND'
  | 'SCHEMA' // a file's header breaks the contract (unknown or missing column)
  | 'STORE' // the store cannot be opened or read
  | 'NO_DATA' // the command needs data that is not there (e.g. nothing imported)
  | 'BAD_INPUT' // input that cannot be used at all (label with one class, …)
  | 'INTERNAL';

export interface ErrorLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: string;
}

export class TenureError extends Error {
  constructor(
    readonly code: TenureErrorCode,
    message: string,
    readonly location: ErrorLocation = {},
  ) {
    super(message);
    this.name = 'TenureError';
  }
}
