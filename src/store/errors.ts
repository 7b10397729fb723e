/** Coded store errors; cli/ and api/ map codes to exit codes and HTTP statuses in one place. */
export type StoreErrorCode =
  | 'STORE_UNREADABLE'
  | 'STORE_NOT_FOUND' // a read command's --db names no file (a typo must not create an empty store)
  | 'STORE_LOCKED' // another process holds the store longer than the lock timeout
  | 'STORE_NEEDS_MIGRATION' // a read-only open of a store an older (or newer) Tenure wrote
  | 'READ_ONLY' // a write attempted through a read-only store
  | 'BAD_SETTING' // a TENURE_* engine setting that cannot be used
  | 'NESTED_TRANSACTION'
  | 'STORE_NOT_EMPTY' // a copy into a store that already holds data
  | 'STATEMENT_TIMEOUT' // the server cancelled a statement that ran longer than the store's statement timeout
  | 'UNSUPPORTED_ENGINE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
