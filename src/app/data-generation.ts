/**
 * The store's data generation (migration 14): a number that moves whenever data that served
 * results derive from changes. A long-running reader (the HTTP server, app/serving) keeps what it
 * computed from the data keyed by the generation and recomputes once it moves; reading it is one
 * row.
 *
 * Who bumps it: every writer of such data, inside the transaction that writes it, so a reader
 * never sees the new data under the old number: the import (per file), a scoring run, an uplift
 * fit. Derived tables (report basis, stage history, value snapshot) do not bump it: they are
 * rebuilt from the same data and fingerprinted by it, so a result computed before a refresh is
 * the result after it. Data read live on every call (campaign members, NBA outcomes, points,
 * accounts and the audit trail) does not bump it either: nothing keeps it.
 */
import type { AnalyticsStore, StoreTx } from '../store/port.ts';

export type DataChange = 'import' | 'score' | 'uplift';

/**
 * Adds one to the generation, in the writer's transaction `tx`. One row, made by the first change:
 * concurrent writers (PostgreSQL) queue on its row lock, so each adds its own one.
 */
export async function bumpDataGeneration(tx: StoreTx, reason: DataChange, nowMs: number = Date.now()): Promise<void> {
  await tx.run('UPDATE data_generation SET generation = generation + 1, changed_ms = $1, reason = $2', [nowMs, reason]);
  await tx.run('INSERT INTO data_generation SELECT 1, CAST($1 AS BIGINT), CAST($2 AS VARCHAR) WHERE NOT EXISTS (SELECT 1 FROM data_generation)', [nowMs, reason]);
}

/** The current generation (0 on a store nothing has changed since migration 14: the table is empty). */
export async function dataGeneration(store: StoreTx): Promise<number> {
  const [row] = await store.query<{ g: number | bigint | null }>('SELECT max(generation) AS g FROM data_generation');
  return Number(row?.g ?? 0);
}

/** Runs `fn` and bumps the generation in the same transaction. */
export async function changingData<T>(store: AnalyticsStore, reason: DataChange, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
  return store.transaction(async (tx) => {
    const result = await fn(tx);
    await bumpDataGeneration(tx, reason);
    return result;
  });
}
