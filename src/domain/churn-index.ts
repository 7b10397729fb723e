/**
 * Churn index (流失指数, seed 004). A survey asks customers, per churn reason, how well the
 * operator does (rating 0–10, 10 = best), how much the reason matters (importance 0–10) and
 * how available competing alternatives are (availability 0–10). Per reason:
 *   pressure = (10 − rating) · importance · availability / 1000        ∈ [0, 1]
 * and per scope (all, a region prefix, a segment):
 *   index = Σ importance · pressure / Σ importance · 100                ∈ [0, 100]
 * A reason only pushes customers out when the operator does badly on it, it matters, and
 * there is somewhere else to go. The index explains why customers may leave, the churn model
 * says who and when; the two complement each other.
 */
export interface SurveyRow {
  readonly scope: string;
  readonly reason: string;
  readonly rating: number;
  readonly importance: number;
  readonly availability: number;
}

export interface ReasonPressure {
  readonly reason: string;
  readonly rating: number;
  readonly importance: number;
  readonly availability: number;
  /** (10 − rating) · importance · availability / 1000, in [0, 1]. */
  readonly pressure: number;
  /** Index points this reason adds: importance · pressure / Σ importance · 100. Sums to the index. */
  readonly contribution: number;
  /** contribution / index (0 when the index is 0). */
  readonly share: number;
}

export interface ScopeChurnIndex {
  readonly scope: string;
  /** 0–100; 0 when no reason has any importance. */
  readonly index: number;
  /** Ranked by contribution, largest first (ties by reason name). */
  readonly reasons: readonly ReasonPressure[];
}

export function reasonPressure(rating: number, importance: number, availability: number): number {
  return ((10 - rating) * importance * availability) / 1000;
}

/** Indices per scope; `all` first, then the other scopes by name. Throws on a repeated (scope, reason). */
export function computeChurnIndex(rows: readonly SurveyRow[]): ScopeChurnIndex[] {
  const byScope = new Map<string, SurveyRow[]>();
  for (const row of rows) {
    for (const [name, v] of [
      ['rating', row.rating],
      ['importance', row.importance],
      ['availability', row.availability],
    ] as const) {
      if (!(v >= 0 && v <= 10)) throw new RangeError(`${row.scope}/${row.reason}: ${name} ${v} is outside 0–10`);
    }
    const list = byScope.get(row.scope) ?? [];
    if (list.some((r) => r.reason === row.reason)) throw new RangeError(`repeated survey key (${row.scope}, ${row.reason})`);
    list.push(row);
    byScope.set(row.scope, list);
  }
  const scopes = [...byScope.keys()].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return scopes.map((scope) => scopeIndex(scope, byScope.get(scope) ?? []));
}

function scopeIndex(scope: string, rows: readonly SurveyRow[]): ScopeChurnIndex {
  const totalImportance = rows.reduce((s, r) => s + r.importance, 0);
  const withPressure = rows.map((r) => {
    const pressure = reasonPressure(r.rating, r.importance, r.availability);
    const contribution = totalImportance > 0 ? ((r.importance * pressure) / totalImportance) * 100 : 0;
    return { reason: r.reason, rating: r.rating, importance: r.importance, availability: r.availability, pressure, contribution };
  });
  const index = withPressure.reduce((s, r) => s + r.contribution, 0);
  const reasons = withPressure
    .map((r) => ({ ...r, share: index > 0 ? r.contribution / index : 0 }))
    .sort((a, b) => b.contribution - a.contribution || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return { scope, index, reasons };
}

export interface ReasonChange {
  readonly reason: string;
  readonly pressure: number | null;
  readonly previousPressure: number | null;
  /** pressure − previousPressure; null when the reason is missing from either survey. */
  readonly change: number | null;
}

export interface ScopeChange {
  readonly scope: string;
  readonly index: number | null;
  readonly previousIndex: number | null;
  /** index − previousIndex in index points; null when the scope is missing from either survey. */
  readonly change: number | null;
  /** Reasons ranked by the absolute change of their pressure, largest movers first. */
  readonly reasons: readonly ReasonChange[];
}

/** How each scope's index and each reason's pressure moved between two surveys. */
export function compareChurnIndex(
  current: readonly ScopeChurnIndex[],
  previous: readonly ScopeChurnIndex[],
): ScopeChange[] {
  const prevByScope = new Map(previous.map((s) => [s.scope, s]));
  const curByScope = new Map(current.map((s) => [s.scope, s]));
  const scopes = [...current.map((s) => s.scope), ...previous.map((s) => s.scope).filter((s) => !curByScope.has(s))];
  return scopes.map((scope) => {
    const cur = curByScope.get(scope);
    const prev = prevByScope.get(scope);
    const reasonNames = [
      ...(cur?.reasons.map((r) => r.reason) ?? []),
      ...(prev?.reasons.map((r) => r.reason).filter((r) => !cur?.reasons.some((c) => c.reason === r)) ?? []),
    ];
    const reasons = reasonNames
      .map((reason) => {
        const p = cur?.reasons.find((r) => r.reason === reason)?.pressure ?? null;
        const q = prev?.reasons.find((r) => r.reason === reason)?.pressure ?? null;
        return { reason, pressure: p, previousPressure: q, change: p !== null && q !== null ? p - q : null };
      })
      .sort((a, b) => Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0));
    const index = cur?.index ?? null;
    const previousIndex = prev?.index ?? null;
    return { scope, index, previousIndex, change: index !== null && previousIndex !== null ? index - previousIndex : null, reasons };
  });
}

/**
 * Survey reasons mapped to the contract's churn reason groups, so the index can be set against
 * observed churn by reason group. Unknown reasons map to themselves.
 */
export const SURVEY_REASON_GROUP: Readonly<Record<string, string>> = {
  price: 'price',
  quality: 'quality',
  coverage: 'quality',
  network_quality: 'quality',
  customer_service: 'convenience',
  billing: 'convenience',
  image: 'social',
  new_technology: 'technology',
};

export function surveyReasonGroup(reason: string): string {
  return SURVEY_REASON_GROUP[reason] ?? reason;
}
