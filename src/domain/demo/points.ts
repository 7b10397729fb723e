/**
 * The demo operator's loyalty points from outside the product's earning rules (contract v2
 * `points_transactions`): what a real operator's loyalty platform exports.
 * - Members: about 85 % of accounts joined the programme (the rest never appear).
 * - `earn`: the balance migrated from the old loyalty system at the window's start for accounts
 *   that joined before it (about revenue × months of tenure, capped at two years, × 0.1–0.6); a
 *   welcome bonus on the join day for most new accounts; partner purchases (fuel, supermarket,
 *   credit card, the online mall) in 4–10 % of months, more often for engaged customers.
 * - `redeem`: catalogue items (data packs, top-ups, video memberships, gifts) in 3–15 % of months
 *   (engaged customers redeem more), only from points the file itself has given and that are not
 *   about to expire, so every redemption is accepted by the ledger's FIFO rule.
 * - `adjust`: rare goodwill credits after a complaint and rarer corrections of a duplicate
 *   partner posting (negative, covered by the balance).
 * Nothing is dated outside the account's service (from the join day, before the churn day).
 * Drawn from a random stream of its own, so adding the file left every other generated value as
 * it was.
 */
import { daysInMonth, pad2, type MonthTexts } from './calendar.ts';
import { Rng } from './random.ts';
import type { LineSink } from './interactions.ts';

const POINTS_STREAM = 0x50000000;
/** A lot counts as spendable only until a month before the ledger's default 24-month expiry. */
const SPENDABLE_MONTHS = 23;

const PARTNERS = ['合作商户消费：加油站', '合作商户消费：超市', '合作商户消费：银行信用卡', '积分商城消费返积分'] as const;
const CATALOGUE: readonly (readonly [number, string])[] = [
  [300, '兑换1GB流量包'],
  [500, '兑换话费10元'],
  [800, '兑换视频会员月卡'],
  [2000, '兑换礼品：保温杯'],
  [5000, '兑换礼品：智能音箱'],
];

export interface PointsLife {
  readonly customerId: string;
  readonly joinMonth: number;
  readonly joinDay: number;
  readonly exit: { readonly month: number; readonly day: number } | undefined;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** 0–1: engaged customers earn at partners and redeem more often. */
  readonly engagement: number;
  /** Typical monthly bill, for the migrated balance. */
  readonly monthlyRevenue: number;
}

interface Event {
  readonly ts: string;
  readonly kind: 'earn' | 'redeem' | 'adjust';
  readonly month: number;
  points: number;
  readonly reason: string;
  readonly order: number;
}

interface Lot {
  readonly ts: string;
  readonly month: number;
  remaining: number;
}

/** Writes the account's points_transactions rows in time order. */
export function pointsTransactionLines(seed: number, slot: number, life: PointsLife, texts: MonthTexts, sink: LineSink): void {
  const rng = new Rng(seed, POINTS_STREAM + slot);
  if (!rng.chance(0.85)) return;
  const first = Math.max(life.joinMonth, life.windowStart);
  const last = life.exit ? life.exit.month : life.windowEnd;
  const tsIn = (t: number, from: number, to: number) => `${texts.date(t, rng.int(from, to))} ${pad2(rng.int(8, 21))}:${pad2(rng.int(0, 59))}:${pad2(rng.int(0, 59))}`;
  const lots: Lot[] = [];
  const available = (ts: string, t: number) => lots.reduce((n, l) => n + (l.ts <= ts && t - l.month < SPENDABLE_MONTHS ? l.remaining : 0), 0);
  const take = (ts: string, t: number, points: number) => {
    let left = points;
    for (const l of lots) {
      if (left === 0) break;
      if (l.ts > ts || t - l.month >= SPENDABLE_MONTHS || l.remaining === 0) continue;
      const n = Math.min(left, l.remaining);
      l.remaining -= n;
      left -= n;
    }
  };
  let seq = 0;
  const write = (e: Event) => sink.push(`PT${life.customerId.slice(1)}-${++seq},${life.customerId},${e.ts},${e.kind},${e.points},${e.reason}\n`);
  for (let t = first; t <= last; t++) {
    const from = t === life.joinMonth ? life.joinDay : 1;
    const to = life.exit && t === life.exit.month ? life.exit.day - 1 : daysInMonth(t);
    if (to < from) continue;
    const events: Event[] = [];
    const add = (e: Omit<Event, 'order' | 'month'>) => events.push({ ...e, month: t, order: events.length });
    if (t === first && life.joinMonth < life.windowStart) {
      const months = Math.min(24, life.windowStart - life.joinMonth);
      const points = Math.floor(life.monthlyRevenue * months * rng.between(0.1, 0.6));
      if (points > 0) add({ ts: `${texts.date(t, 1)} 00:00:00`, kind: 'earn', points, reason: '旧积分系统余额迁移' });
    } else if (t === life.joinMonth && rng.chance(0.7)) {
      add({ ts: `${texts.date(t, life.joinDay)} ${pad2(rng.int(9, 18))}:00:00`, kind: 'earn', points: 200, reason: '入网礼包' });
    }
    if (rng.chance(0.04 + 0.06 * life.engagement)) add({ ts: tsIn(t, from, to), kind: 'earn', points: rng.int(20, 300), reason: PARTNERS[rng.int(0, PARTNERS.length - 1)] ?? PARTNERS[0] });
    if (rng.chance(0.005)) add({ ts: tsIn(t, from, to), kind: 'adjust', points: 50 * rng.int(1, 6), reason: '投诉补偿积分' });
    const redeemTs = rng.chance(0.03 + 0.12 * life.engagement) ? tsIn(t, from, to) : null;
    if (redeemTs) add({ ts: redeemTs, kind: 'redeem', points: 0, reason: '' });
    const correctionTs = rng.chance(0.002) ? tsIn(t, from, to) : null;
    if (correctionTs) add({ ts: correctionTs, kind: 'adjust', points: -rng.int(10, 100), reason: '重复入账冲正' });
    events.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.order - b.order));
    for (const e of events) {
      if (e.kind === 'redeem') {
        const have = available(e.ts, t);
        const affordable = CATALOGUE.filter(([cost]) => cost <= have);
        if (affordable.length === 0) continue;
        const [cost, item] = affordable[rng.int(0, affordable.length - 1)] ?? CATALOGUE[0] ?? [300, ''];
        take(e.ts, t, cost);
        write({ ...e, points: cost, reason: item });
      } else if (e.points < 0) {
        if (available(e.ts, t) < -e.points) continue;
        take(e.ts, t, -e.points);
        write(e);
      } else {
        lots.push({ ts: e.ts, month: t, remaining: e.points });
        write(e);
      }
    }
  }
}
