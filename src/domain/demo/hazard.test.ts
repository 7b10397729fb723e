import { describe, expect, it } from 'vitest';
import { type HazardInputs, VOLUNTARY_CODES, tenureMultiplier, voluntaryHazards } from './hazard.ts';
import { drawPersona } from './persona.ts';
import { Rng } from './random.ts';
import { Footprint } from './regions.ts';
import { DEFAULT_REASON_CODES } from '../../contract/spec.ts';

const persona = drawPersona(new Rng(1, 1), 'mobile', new Footprint(new Rng(1, 0)), 2025);
const base: HazardInputs = {
  persona,
  tenureMonths: 30,
  ageYears: 40,
  inContract: false,
  monthsSinceContractExpiry: Infinity,
  arpuRelative: 1,
  networkQuality: 0.9,
  episodeSeverity: 0,
  unresolvedComplaints: 0,
  poorSatisfaction: 0,
  billingIssueRecent: false,
  competitorCampaign: false,
  everOverdue: false,
  isTechSeason: false,
  seasonTrend: 1,
  winback: false,
  onlineChannel: false,
  discounted: false,
};

function hazard(change: Partial<HazardInputs>, code?: string): number {
  const out = new Float64Array(VOLUNTARY_CODES.length);
  const total = voluntaryHazards({ ...base, ...change }, out);
  return code === undefined ? total : (out[VOLUNTARY_CODES.indexOf(code as (typeof VOLUNTARY_CODES)[number])] ?? 0);
}

describe('voluntary hazards', () => {
  it('only uses voluntary reason codes of the default table', () => {
    const voluntary = new Set(DEFAULT_REASON_CODES.filter((c) => c.type === 'voluntary').map((c) => c.code));
    for (const code of VOLUNTARY_CODES) expect(voluntary).toContain(code);
  });

  it('each driver raises its own reason', () => {
    expect(hazard({ competitorCampaign: true }, '102')).toBeGreaterThan(3 * hazard({}, '102'));
    expect(hazard({ episodeSeverity: 0.8 }, '205')).toBeGreaterThan(10 * hazard({}, '205'));
    expect(hazard({ networkQuality: 0.6 }, '206')).toBeGreaterThan(3 * hazard({}, '206'));
    expect(hazard({ unresolvedComplaints: 2, poorSatisfaction: 1 }, '103')).toBeGreaterThan(5 * hazard({}, '103'));
    expect(hazard({ billingIssueRecent: true }, '207')).toBeGreaterThan(10 * hazard({}, '207'));
    expect(hazard({ arpuRelative: 2 }, '101')).toBeGreaterThan(1.5 * hazard({}, '101'));
  });

  it('contracts hold customers and their expiry releases them; tenure builds loyalty', () => {
    expect(hazard({ inContract: true })).toBeLessThan(0.6 * hazard({}));
    expect(hazard({ monthsSinceContractExpiry: 1 })).toBeGreaterThan(1.7 * hazard({}));
    expect(tenureMultiplier(1)).toBeGreaterThan(tenureMultiplier(10));
    expect(tenureMultiplier(10)).toBeGreaterThan(tenureMultiplier(100));
  });
});
