/** Coded store errors; cli/ and api/ map codes to exit codes and HTTP statuses in one place. */
export type StoreErrorCode = 'STORE_UNREADABLE' | 'NESTED_TRANSACTION' | 'UNSUPPORTED_ENGINE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
