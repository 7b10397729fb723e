import type { AnalyticsStore } from '../../store/port.ts';

export interface RejectedRow {
  readonly line: number;
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
  readonly [key: string]: string | number | null;
}

/** The rejects an import run recorded, in line order (import_rejects; no personal values are kept there). */
export async function rejectedRows(store: AnalyticsStore, runId: string): Promise<RejectedRow[]> {
  const rows = await store.query<RejectedRow>(
    'SELECT line, "column", value, reason FROM import_rejects WHERE run_id = CAST($1 AS VARCHAR) ORDER BY line, "column", reason',
    [runId],
  );
  return rows.map((r) => ({ ...r, line: Number(r.line) }));
}
