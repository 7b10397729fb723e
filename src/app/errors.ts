/**
 * The coded errors live in domain/errors.ts so that every layer (model, domain) can raise them;
 * app code and the transports keep importing them from here.
 */
export { type ErrorLocation, TenureError, type TenureErrorCode } from '../domain/errors.ts';
