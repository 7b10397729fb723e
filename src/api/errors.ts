import { TenureError, type TenureErrorCode } from '../app/errors.ts';
import { StoreError } from '../app/store.ts';

/**
 * Errors as HTTP: the one place a coded error becomes a status and a JSON body, as
 * cli/errors.ts makes it an exit code. A body never carries a stack trace or the text of an
 * error nobody coded (that is a bug: the client gets "internal error" and the request id, the
 * log gets the details).
 */
export type ApiErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'THROTTLED' | 'CSRF' | 'VALIDATION' | 'PAYLOAD_TOO_LARGE' | 'UNAVAILABLE';

/** An error the API itself raises (authentication, rights, limits). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const API_STATUS: Record<ApiErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  VALIDATION: 400,
  THROTTLED: 429,
  UNAVAILABLE: 503,
};

const TENURE_STATUS: Record<TenureErrorCode, number> = {
  USAGE: 400,
  BAD_INPUT: 400,
  SCHEMA: 422,
  FILE_NOT_FOUND: 404,
  NO_DATA: 404,
  STORE: 503,
  INTERNAL: 500,
};

const STORE_STATUS: Record<StoreError['code'], number> = {
  STORE_UNREADABLE: 503,
  STORE_NOT_FOUND: 503,
  STORE_LOCKED: 503,
  STORE_NEEDS_MIGRATION: 503,
  READ_ONLY: 503,
  BAD_SETTING: 500,
  NESTED_TRANSACTION: 500,
  STORE_NOT_EMPTY: 409,
  STATEMENT_TIMEOUT: 504,
  UNSUPPORTED_ENGINE: 501,
};

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly request_id: string | null; readonly location?: Record<string, unknown> };
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Not a coded error: a bug, to be logged with its stack on the server side. */
  readonly unexpected: boolean;
}

/** Server-side store messages name the store's location; a client learns the code and a neutral sentence. */
const STORE_MESSAGE: Partial<Record<StoreError['code'], string>> = {
  STORE_UNREADABLE: 'the store cannot be read',
  STORE_NOT_FOUND: 'the store is not there',
  STORE_LOCKED: 'the store is busy (another process holds it)',
  STORE_NEEDS_MIGRATION: 'the store was written by another version of Tenure',
  READ_ONLY: 'the server opened the store read-only',
};

export function httpError(err: unknown, requestId: string | null): HttpError {
  const body = (code: string, message: string, location?: Record<string, unknown>): ErrorBody => ({ error: { code, message, request_id: requestId, ...(location ? { location } : {}) } });
  if (err instanceof ApiError) return { status: API_STATUS[err.code], body: body(err.code, err.message), headers: err.headers, unexpected: false };
  if (err instanceof TenureError) {
    const status = TENURE_STATUS[err.code];
    // Messages of coded errors are written for the user; INTERNAL ones are not shown.
    const message = status >= 500 ? 'internal error' : err.message;
    const { file: _file, ...location } = err.location; // a server path is none of the client's business
    return { status, body: body(err.code, message, Object.keys(location).length ? location : undefined), headers: {}, unexpected: status >= 500 };
  }
  if (err instanceof StoreError) {
    const status = STORE_STATUS[err.code] ?? 500;
    return { status, body: body(err.code, STORE_MESSAGE[err.code] ?? (status === 504 ? 'the query took longer than the store allows' : status === 501 ? 'not available on this store engine yet' : 'store error')), headers: {}, unexpected: status === 500 };
  }
  const status = (err as { status?: unknown })?.status;
  // Hono's own HTTPException (body limit, malformed JSON) carries a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: body(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', status === 413 ? 'request body too large' : 'bad request'), headers: {}, unexpected: false };
  }
  return { status: 500, body: body('INTERNAL', 'internal error; the server log has the details under this request id'), headers: {}, unexpected: true };
}
