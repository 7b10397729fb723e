import { randomUUID } from 'node:crypto';
import type { EarningRule, MemberDay, PointsRules } from '../../domain/points/rules.ts';
import { dayNumber, dayText } from '../../domain/care/contact-policy.ts';
import { addMonths } from '../../domain/month.ts';
import { requireWritable } from '../../store/access.ts';
import type { Dialect } from '../../store/dialect.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { checkMonth, dataSpan, requireInSpan } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { lit } from '../import/sql.ts';

/**
 * The monthly earning run (`tenure points earn --month M`): every rule of the points rules
 * (domain/points/rules.ts) turned into credit entries for month M, set-based in the store.
 * Each entry's key is (customer, source 'rule', source_ref): `rule:M` for the monthly rules,
 * `rule` for a tenure milestone (once per customer), `rule:campaign` for an accepted offer. A
 * key already in the ledger is skipped, so re-running a month posts nothing new (a revised bill
 * does not re-post either: corrections are adjustments). No customer earns on or after the day
 * they churned.
 */
export interface EarnRun {
  readonly runId: string;
  readonly month: string;
  readonly rules: readonly { readonly rule_id: string; readonly entries: number; readonly points: number }[];
  readonly entries: number;
  readonly points: number;
}

const decimal = (x: number) => `CAST(${lit(String(x))} AS DECIMAL(18,6))`;

function memberDayMultiplier(days: readonly MemberDay[], date: string): string {
  if (days.length === 0) return '1';
  const arms = days.map((d) =>
    'date' in d ? `CASE WHEN ${date} = DATE ${lit(d.date)} THEN ${decimal(d.multiplier)} END` : `CASE WHEN EXTRACT(DAY FROM ${date}) = ${d.day_of_month} THEN ${decimal(d.multiplier)} END`,
  );
  // The largest multiplier of the member days the date is (NULL arms ignored), else 1.
  return `coalesce((SELECT max(m) FROM (VALUES ${arms.map((a) => `(${a})`).join(', ')}) AS md(m)), 1)`;
}

/** SELECT of one rule's candidate credits: customer_id, ts, points, rule_id, source_ref, reason, dated. */
function ruleSelect(d: Dialect, rule: EarningRule, month: string): string {
  const first = `DATE ${lit(`${month}-01`)}`;
  const last = `DATE ${lit(dayText(dayNumber(`${addMonths(month, 1)}-01`) - 1))}`;
  const id = lit(rule.id);
  switch (rule.kind) {
    case 'per_currency_unit':
      return `SELECT customer_id, CAST(${last} AS TIMESTAMP) AS ts, CAST(floor(coalesce(${rule.basis}, 0) * ${decimal(rule.points_per_unit)}) AS BIGINT) AS points,
                ${id} AS rule_id, ${lit(`${rule.id}:${month}`)} AS source_ref, ${lit(`${rule.basis} of ${month} × ${rule.points_per_unit}`)} AS reason, false AS dated
              FROM monthly_usage WHERE month = ${first}`;
    case 'on_time_payment':
      return `SELECT customer_id, CAST(${last} AS TIMESTAMP), CAST(${rule.points} AS BIGINT), ${id}, ${lit(`${rule.id}:${month}`)},
                ${lit(`bill of ${month} paid on time`)}, false
              FROM monthly_usage WHERE month = ${first} AND revenue > 0 AND paid >= revenue AND coalesce(overdue_days, 0) = 0`;
    case 'tenure_milestone': {
      const day = d.addMonths('join_date', String(rule.months));
      return `SELECT customer_id, CAST(${day} AS TIMESTAMP), CAST(${rule.points} AS BIGINT), ${id}, ${id},
                ${lit(`${rule.months} months of tenure`)}, true
              FROM customers WHERE ${day} BETWEEN ${first} AND ${last}`;
    }
    case 'accepted_offer': {
      const ts = 'coalesce(cm.contacted_ts, CAST(c.start_date AS TIMESTAMP))';
      return `SELECT cm.customer_id, ${ts}, CAST(floor(o.points * ${decimal(rule.multiplier)}) AS BIGINT), ${id}, ${id} || ':' || cm.campaign_id,
                'offer ' || o.offer_id || ' accepted in campaign ' || cm.campaign_id, true
              FROM campaign_members cm JOIN campaigns c ON c.campaign_id = cm.campaign_id JOIN offers o ON o.offer_id = cm.arm
              WHERE cm.response = 'accepted' AND o.points > 0 AND CAST(${ts} AS DATE) BETWEEN ${first} AND ${last}`;
    }
  }
}

export async function earnPoints(store: AnalyticsStore, monthText: string, rules: PointsRules): Promise<EarnRun> {
  requireWritable(store, 'points earn');
  const month = checkMonth('--month', monthText);
  if (month === undefined) throw new TenureError('USAGE', '--month is required');
  requireInSpan('--month', month, await dataSpan(store));
  const runId = randomUUID();
  if (rules.rules.length === 0) return { runId, month, rules: [], entries: 0, points: 0 };
  const d = store.dialect;
  const candidates = rules.rules.map((r) => ruleSelect(d, r, month)).join(' UNION ALL ');
  const multiplier = memberDayMultiplier(rules.member_days, 'CAST(x.ts AS DATE)');
  return store.transaction(async (tx) => {
    const earn = d.createTempTableAs(
      'pts_earn',
      `SELECT (SELECT coalesce(max(entry_id), 0) FROM points_entries) + row_number() OVER (ORDER BY rule_id, customer_id, source_ref) AS entry_id, c.*
      FROM (
        SELECT x.customer_id, x.ts, x.rule_id, x.source_ref, x.reason,
               CASE WHEN x.dated THEN CAST(floor(x.points * ${multiplier}) AS BIGINT) ELSE x.points END AS points
        FROM (${candidates}) AS x (customer_id, ts, points, rule_id, source_ref, reason, dated)
        WHERE NOT EXISTS (SELECT 1 FROM churn_events ce WHERE ce.customer_id = x.customer_id AND ce.churn_date <= CAST(x.ts AS DATE))
          AND NOT EXISTS (SELECT 1 FROM points_entries e WHERE e.source = 'rule' AND e.customer_id = x.customer_id AND e.source_ref = x.source_ref)) AS c
      WHERE points > 0`,
    );
    for (const stmt of earn) await tx.run(stmt);
    await tx.run(
      `INSERT INTO points_entries (entry_id, customer_id, ts, kind, points, expires_on, source, source_ref, transaction_id, rule_id, reason, reverses, run_id, posted_at)
       SELECT entry_id, customer_id, ts, 'earn', points, ${d.addMonths('CAST(ts AS DATE)', String(rules.expiry_months))}, 'rule', source_ref, NULL, rule_id, reason, NULL, CAST($1 AS VARCHAR), current_timestamp
       FROM pts_earn`,
      [runId],
    );
    const byRule = await tx.query<{ rule_id: string; entries: number; points: number }>(
      'SELECT rule_id, count(*) AS entries, sum(points) AS points FROM pts_earn GROUP BY rule_id ORDER BY rule_id',
    );
    await tx.run('DROP TABLE IF EXISTS pts_earn');
    const out = rules.rules.map((r) => {
      const hit = byRule.find((b) => b.rule_id === r.id);
      return { rule_id: r.id, entries: Number(hit?.entries ?? 0), points: Number(hit?.points ?? 0) };
    });
    return { runId, month, rules: out, entries: out.reduce((n, r) => n + r.entries, 0), points: out.reduce((n, r) => n + r.points, 0) };
  });
}
