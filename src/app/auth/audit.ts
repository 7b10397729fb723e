import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../../store/port.ts';
import { requireWritable } from '../../store/access.ts';

/**
 * The audit trail: append-only rows, each carrying the SHA-256 of the previous row's hash and
 * its own fields, so that editing, deleting or reordering a row breaks the chain at that row
 * (`verifyAudit`, `tenure audit --verify`). Nothing in Tenure updates or deletes audit_log.
 *
 * Appends are serialised inside this process (the server is the store's one writer for DuckDB);
 * two server processes on one PostgreSQL store would each keep a valid chain only if they took
 * turns, which is not enforced yet.
 */
export interface AuditEntry {
  /** Who: a username, `token:<id>`, `cli:<os user>` or `anonymous`. */
  readonly actor: string;
  /** What: login, login_failed, logout, user_add, user_passwd, user_disable, token_create, pii_view, export, forbidden, … */
  readonly action: string;
  /** On what: a customer id, a username, a route. */
  readonly target?: string | null;
  readonly outcome: 'ok' | 'denied' | 'failed';
  /** From where: the client address, or `cli`. */
  readonly source: string;
  /** A few words or a small JSON text; never a secret. */
  readonly detail?: string | null;
}

export type AuditRow = {
  readonly seq: number;
  readonly ts: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: string;
  readonly source: string;
  readonly detail: string | null;
  readonly prev_hash: string;
  readonly hash: string;
};

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of a row: over the previous hash and every field, as canonical JSON (no ambiguity of separators). */
export function auditHash(prev: string, r: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  const fields = [r.seq, r.ts, r.actor, r.action, r.target, r.outcome, r.source, r.detail];
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify(fields)).digest('hex');
}

let queue: Promise<unknown> = Promise.resolve();

/** Appends one entry, chained to the last row; entries of one process land in call order. */
export function appendAudit(store: AnalyticsStore, entry: AuditEntry, now: () => Date = () => new Date()): Promise<AuditRow> {
  requireWritable(store, 'the audit trail');
  const next = queue.then(() =>
    store.transaction(async (tx) => {
      const [last] = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const base = {
        seq: Number(last?.seq ?? 0) + 1,
        ts: now().toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        outcome: entry.outcome,
        source: entry.source,
        detail: entry.detail ?? null,
      };
      const prev = last?.hash ?? GENESIS_HASH;
      const row: AuditRow = { ...base, prev_hash: prev, hash: auditHash(prev, base) };
      await tx.run(
        `INSERT INTO audit_log (seq, ts, actor, action, target, outcome, source, detail, prev_hash, hash)
         VALUES (CAST($1 AS BIGINT), CAST($2 AS VARCHAR), CAST($3 AS VARCHAR), CAST($4 AS VARCHAR), CAST($5 AS VARCHAR),
                 CAST($6 AS VARCHAR), CAST($7 AS VARCHAR), CAST($8 AS VARCHAR), CAST($9 AS VARCHAR), CAST($10 AS VARCHAR))`,
        [row.seq, row.ts, row.actor, row.action, row.target, row.outcome, row.source, row.detail, row.prev_hash, row.hash],
      );
      return row;
    }),
  );
  queue = next.catch(() => undefined);
  return next;
}

export interface AuditQuery {
  /** Rows after this sequence number (paging forward). */
  readonly after?: number;
  readonly limit: number;
  readonly actor?: string;
  readonly action?: string;
}

export async function listAudit(store: AnalyticsStore, q: AuditQuery): Promise<AuditRow[]> {
  const where = ['seq > CAST($1 AS BIGINT)'];
  const params: (string | number)[] = [q.after ?? 0];
  if (q.actor !== undefined) {
    params.push(q.actor);
    where.push(`actor = CAST($${params.length} AS VARCHAR)`);
  }
  if (q.action !== undefined) {
    params.push(q.action);
    where.push(`action = CAST($${params.length} AS VARCHAR)`);
  }
  params.push(q.limit);
  const rows = await store.query<AuditRow>(
    `SELECT seq, ts, actor, action, target, outcome, source, detail, prev_hash, hash FROM audit_log
     WHERE ${where.join(' AND ')} ORDER BY seq LIMIT CAST($${params.length} AS BIGINT)`,
    params,
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export interface AuditVerdict {
  readonly rows: number;
  readonly ok: boolean;
  /** The first row whose hash or link does not hold, and why. */
  readonly broken_at: number | null;
  readonly reason: string | null;
}

/** Walks the whole chain in sequence order, a block at a time. */
export async function verifyAudit(store: AnalyticsStore): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let after = 0;
  let rows = 0;
  for (;;) {
    const block = await listAudit(store, { after, limit: 10_000 });
    for (const r of block) {
      rows++;
      const { hash, prev_hash, ...fields } = r;
      if (r.seq !== expected) return { rows, ok: false, broken_at: r.seq, reason: `sequence number ${r.seq} where ${expected} was expected (a row is missing)` };
      if (prev_hash !== prev) return { rows, ok: false, broken_at: r.seq, reason: 'its previous hash is not the hash of the row before (a row was changed or removed)' };
      if (auditHash(prev, fields) !== hash) return { rows, ok: false, broken_at: r.seq, reason: 'its hash does not match its fields (the row was changed)' };
      prev = hash;
      expected++;
    }
    if (block.length < 10_000) break;
    after = block[block.length - 1]?.seq ?? after;
  }
  return { rows, ok: true, broken_at: null, reason: null };
}
