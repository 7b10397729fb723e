/**
 * The demo must carry learnable churn signal (issue 3, item 4). These tests measure it the
 * way an analyst would, from the CSVs alone, and fail if a generator change flattens it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../month.ts';
import { writeDemoDataset } from '../../app/demo/write-dataset.ts';
import { PROVINCES } from './regions.ts';
import { readTable, type Table } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-demo-signal-'));
const END = '2025-12';

interface Month {
  revenue: number;
  calls: number;
  dropped: number;
  voice: number;
  outgoing: number;
  forwarded: number;
  tv: number;
}

interface Data {
  usage: Map<string, Map<string, Month>>;
  churn: Map<string, { month: string; type: string; reason: string }>;
  joins: Map<string, string>;
  regions: Map<string, string>;
  complaints: Map<string, string[]>;
}

function load(dir: string): Data {
  const u = readTable(dir, 'monthly_usage');
  const usage = new Map<string, Map<string, Month>>();
  const num = (t: Table, r: readonly string[], c: string) => Number(t.get(r, c) || 0);
  for (const r of u.rows) {
    const id = u.get(r, 'customer_id');
    let m = usage.get(id);
    if (!m) usage.set(id, (m = new Map()));
    m.set(u.get(r, 'month'), {
      revenue: num(u, r, 'revenue'),
      calls: num(u, r, 'calls'),
      dropped: num(u, r, 'dropped_calls'),
      voice: num(u, r, 'voice_minutes'),
      outgoing: num(u, r, 'outgoing_minutes'),
      forwarded: num(u, r, 'forwarded_minutes'),
      tv: num(u, r, 'tv_hours'),
    });
  }
  const c = readTable(dir, 'churn_events');
  const churn = new Map(c.rows.map((r) => [c.get(r, 'customer_id'), { month: c.get(r, 'churn_date').slice(0, 7), type: c.get(r, 'churn_type'), reason: c.get(r, 'reason_code') }]));
  const cu = readTable(dir, 'customers');
  const joins = new Map(cu.rows.map((r) => [cu.get(r, 'customer_id'), cu.get(r, 'join_date').slice(0, 7)]));
  const regions = new Map(cu.rows.map((r) => [cu.get(r, 'customer_id'), cu.get(r, 'region')]));
  const it = readTable(dir, 'interactions');
  const complaints = new Map<string, string[]>();
  for (const r of it.rows) {
    if (it.get(r, 'kind') !== 'complaint') continue;
    const id = it.get(r, 'customer_id');
    const list = complaints.get(id);
    if (list) list.push(it.get(r, 'ts').slice(0, 7));
    else complaints.set(id, [it.get(r, 'ts').slice(0, 7)]);
  }
  return { usage, churn, joins, regions, complaints };
}

interface WindowStats {
  droppedRate: number;
  revenueTrend: number;
  outgoingShare: number;
  forwardedShare: number;
  tvTrend: number;
  complaintsPerCustomer: number;
  customers: number;
}

/**
 * Compares the 3 months before `anchor(id)` with the 3 months before those, pooled over the
 * customers selected: what a churn model sees of a customer shortly before the exit.
 */
function windowStats(data: Data, ids: readonly string[], anchor: (id: string) => string): WindowStats {
  // Ratios are averaged per customer, as a model sees them: pooled sums would let a few
  // business accounts with thousands of calls decide the result.
  let droppedRates = 0, withCalls = 0, outgoingShares = 0, forwardedShares = 0, withVoice = 0, complaints = 0, n = 0;
  let revenueRecent = 0, revenueBefore = 0, tvRecent = 0, tvBefore = 0;
  for (const id of ids) {
    const months = data.usage.get(id);
    const a = anchor(id);
    // Six full months: a join month (billed pro rata) inside the window would fake a trend.
    if (!months || (data.joins.get(id) ?? a) >= addMonths(a, -6)) continue;
    const recent = [1, 2, 3].map((k) => months.get(addMonths(a, -k)));
    const before = [4, 5, 6].map((k) => months.get(addMonths(a, -k)));
    if (recent.some((m) => !m) || before.some((m) => !m)) continue;
    n++;
    const sum = (ms: (Month | undefined)[], f: (m: Month) => number) => ms.reduce((s, m) => s + (m ? f(m) : 0), 0);
    const calls = sum(recent, (m) => m.calls);
    if (calls > 0) {
      droppedRates += sum(recent, (m) => m.dropped) / calls;
      withCalls++;
    }
    const voice = sum(recent, (m) => m.voice);
    if (voice > 0) {
      outgoingShares += sum(recent, (m) => m.outgoing) / voice;
      forwardedShares += sum(recent, (m) => m.forwarded) / voice;
      withVoice++;
    }
    revenueRecent += sum(recent, (m) => m.revenue);
    revenueBefore += sum(before, (m) => m.revenue);
    tvRecent += sum(recent, (m) => m.tv);
    tvBefore += sum(before, (m) => m.tv);
    const from = addMonths(a, -3);
    complaints += (data.complaints.get(id) ?? []).filter((m) => m >= from && m < a).length;
  }
  return {
    droppedRate: droppedRates / Math.max(1, withCalls),
    revenueTrend: revenueRecent / Math.max(1, revenueBefore),
    outgoingShare: outgoingShares / Math.max(1, withVoice),
    forwardedShare: forwardedShares / Math.max(1, withVoice),
    tvTrend: tvRecent / Math.max(1, tvBefore),
    complaintsPerCustomer: complaints / Math.max(1, n),
    customers: n,
  };
}

/**
 * Churners against stayers observed over the same calendar months (weighted like the
 * churners' exit months), so seasonality — TV viewing peaks in winter — cannot fake or hide
 * the signal.
 */
function compare(data: Data): { churners: WindowStats; stayers: WindowStats } {
  const voluntary = [...data.churn].filter(([, c]) => c.type === 'voluntary').map(([id]) => id);
  const stayerIds = [...data.usage.keys()].filter((id) => !data.churn.has(id));
  const churners = windowStats(data, voluntary, (id) => data.churn.get(id)?.month ?? END);
  const weights = new Map<string, number>();
  for (const id of voluntary) {
    const m = data.churn.get(id)?.month ?? END;
    weights.set(m, (weights.get(m) ?? 0) + 1);
  }
  const stayers: WindowStats = { droppedRate: 0, revenueTrend: 0, outgoingShare: 0, forwardedShare: 0, tvTrend: 0, complaintsPerCustomer: 0, customers: 0 };
  const keys = ['droppedRate', 'revenueTrend', 'outgoingShare', 'forwardedShare', 'tvTrend', 'complaintsPerCustomer'] as const;
  let total = 0;
  for (const [month, w] of weights) {
    const s = windowStats(data, stayerIds, () => month);
    if (s.customers === 0) continue;
    total += w;
    for (const k of keys) stayers[k] += w * s[k];
    stayers.customers = Math.max(stayers.customers, s.customers);
  }
  for (const k of keys) stayers[k] /= Math.max(1, total);
  return { churners, stayers };
}

let mobile: Data;
let cable: Data;
beforeAll(async () => {
  await writeDemoDataset({ outDir: join(root, 'mobile'), customers: 4000, months: 24, seed: 5, profile: 'mobile' });
  await writeDemoDataset({ outDir: join(root, 'cable'), customers: 3000, months: 24, seed: 6, profile: 'cable' });
  mobile = load(join(root, 'mobile'));
  cable = load(join(root, 'cable'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('churn signal in the demo data', () => {
  it('voluntary churners look different from stayers in their last three months (mobile)', () => {
    const { churners, stayers } = compare(mobile);
    expect(churners.customers).toBeGreaterThan(300);
    expect(churners.droppedRate).toBeGreaterThan(1.25 * stayers.droppedRate);
    expect(churners.complaintsPerCustomer).toBeGreaterThan(2 * stayers.complaintsPerCustomer);
    expect(churners.revenueTrend).toBeLessThan(stayers.revenueTrend - 0.05);
    expect(churners.outgoingShare).toBeLessThan(0.95 * stayers.outgoingShare);
    expect(churners.forwardedShare).toBeGreaterThan(2 * stayers.forwardedShare);
  });

  it('cable churners watch less TV and pay less before leaving', () => {
    const { churners, stayers } = compare(cable);
    expect(churners.customers).toBeGreaterThan(150);
    expect(churners.tvTrend).toBeLessThan(stayers.tvTrend - 0.15);
    expect(churners.revenueTrend).toBeLessThan(stayers.revenueTrend - 0.02); // cable ARPU is mostly fixed fees
  });

  it('usage ramps up over the first months after joining', () => {
    const voiceAt = new Map<number, { sum: number; n: number }>();
    for (const [id, months] of mobile.usage) {
      const join = mobile.joins.get(id) ?? END;
      if (join < '2024-01' || mobile.churn.has(id)) continue;
      for (const k of [1, 6]) {
        const m = months.get(addMonths(join, k));
        if (!m) continue;
        const acc = voiceAt.get(k) ?? { sum: 0, n: 0 };
        acc.sum += m.voice;
        acc.n++;
        voiceAt.set(k, acc);
      }
    }
    const mean = (k: number) => (voiceAt.get(k)?.sum ?? 0) / Math.max(1, voiceAt.get(k)?.n ?? 0);
    expect(voiceAt.get(6)?.n ?? 0).toBeGreaterThan(200);
    expect(mean(1)).toBeLessThan(0.85 * mean(6));
  });

  it('churn hazard falls with tenure', () => {
    const exposure = new Map<string, number>();
    const exits = new Map<string, number>();
    const band = (months: number) => (months < 6 ? 'new' : months >= 48 ? 'loyal' : 'middle');
    for (const [id, months] of mobile.usage) {
      const join = mobile.joins.get(id) ?? END;
      const churn = mobile.churn.get(id);
      for (const month of months.keys()) {
        if (churn && month > churn.month) continue; // a final bill is not exposure
        const b = band((Number(month.slice(0, 4)) - Number(join.slice(0, 4))) * 12 + Number(month.slice(5)) - Number(join.slice(5)));
        exposure.set(b, (exposure.get(b) ?? 0) + 1);
        if (churn?.month === month) exits.set(b, (exits.get(b) ?? 0) + 1);
      }
    }
    const hazard = (b: string) => (exits.get(b) ?? 0) / Math.max(1, exposure.get(b) ?? 0);
    expect(hazard('new')).toBeGreaterThan(1.5 * hazard('loyal'));
    expect(hazard('middle')).toBeGreaterThan(hazard('loyal'));
  });

  it('reason codes follow their drivers: coverage churn concentrates in rural counties', () => {
    const rural = new Set(PROVINCES.flatMap((p) => p.cities.flatMap((c) => c.districts.filter((d) => d.rural).map((d) => `${p.name}/${c.name}/${d.name}`))));
    let ruralCoverage = 0, rural_ = 0, urbanCoverage = 0, urban = 0;
    for (const [id, c] of mobile.churn) {
      if (c.type !== 'voluntary') continue;
      const isRural = rural.has(mobile.regions.get(id) ?? '');
      if (isRural) {
        rural_++;
        if (c.reason === '206') ruralCoverage++;
      } else {
        urban++;
        if (c.reason === '206') urbanCoverage++;
      }
    }
    expect(ruralCoverage / rural_).toBeGreaterThan(1.5 * (urbanCoverage / urban));
  });

  it('churn counts have seasonality and trend: quarter-end purges and a rising voluntary line', () => {
    const byMonth = new Map<string, { voluntary: number; involuntary: number }>();
    for (const data of [mobile, cable]) {
      for (const c of data.churn.values()) {
        const m = byMonth.get(c.month) ?? { voluntary: 0, involuntary: 0 };
        m[c.type === 'voluntary' ? 'voluntary' : 'involuntary']++;
        byMonth.set(c.month, m);
      }
    }
    let quarterEnd = 0, other = 0, firstYear = 0, secondYear = 0;
    for (const [month, m] of byMonth) {
      if (['03', '06', '09', '12'].includes(month.slice(5))) quarterEnd += m.involuntary;
      else other += m.involuntary;
      if (month.startsWith('2024')) firstYear += m.voluntary;
      else secondYear += m.voluntary;
    }
    expect(quarterEnd / 4).toBeGreaterThan(1.5 * (other / 8));
    expect(secondYear).toBeGreaterThan(1.05 * firstYear);
  });
});
