import type { AnalyticsStore, StoreAccess } from './port.ts';
import { StoreError } from './errors.ts';

/**
 * A use case that writes states it: on a read-only store it fails at once with the reason,
 * instead of half-way through with the engine's message (or, for derived data, by writing only
 * to the session's temporary tables and reporting work that vanishes at close).
 */
export function requireWritable(store: AnalyticsStore, what: string): void {
  if (store.access === 'read-only') {
    throw new StoreError('READ_ONLY', `${what} writes to the store, but ${store.location} was opened read-only`);
  }
}

/** The access of a session opened from a store with `parent` access: it may narrow, never widen. */
export function sessionAccess(location: string, parent: StoreAccess, requested: StoreAccess | undefined): StoreAccess {
  const access = requested ?? parent;
  if (parent === 'read-only' && access === 'read-write') {
    throw new StoreError('READ_ONLY', `a read-write session was asked of ${location}, which was opened read-only`);
  }
  return access;
}
