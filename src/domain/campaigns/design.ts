/**
 * Randomized campaign design: arms from a spec like "control:0.2,OFFER:0.8", stratified
 * assignment reproducible for a seed, and the balance check of the arms. Pure.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { Rng } from '../demo/random.ts';

export interface ArmShare {
  readonly arm: string;
  readonly share: number;
}

/** Parses "control:0.2,O10:0.4,O20:0.4": shares in (0, 1] adding up to 1 (±1e-9), arms unique, a control arm. */
export function parseArms(text: string): ArmShare[] {
  const arms: ArmShare[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const m = /^([A-Za-z0-9_.-]{1,64}):([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) throw new RangeError(`arm "${part}" must be written ARM:SHARE, e.g. control:0.2`);
    const share = Number(m[2]);
    if (!(share > 0 && share <= 1)) throw new RangeError(`the share of ${m[1]} must be above 0 and at most 1, got ${m[2]}`);
    if (arms.some((a) => a.arm === m[1])) throw new RangeError(`arm ${m[1]} is given twice`);
    arms.push({ arm: m[1] as string, share });
  }
  if (!arms.some((a) => a.arm === CONTROL_ARM)) throw new RangeError(`the arms need a ${CONTROL_ARM} arm (the holdout the offers are measured against)`);
  if (arms.length < 2) throw new RangeError('the arms need at least one offer besides the control');
  const total = arms.reduce((s, a) => s + a.share, 0);
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`the arm shares add up to ${total}, not 1`);
  return arms;
}

export interface DesignMember {
  readonly customerId: string;
  /** Stratum key, e.g. risk decile × value quadrant. */
  readonly stratum: string;
}

/**
 * Stratified randomization. Within each stratum (in sorted order, members sorted by id, so the
 * result depends on the seed and the member set only) members are shuffled and allocated by
 * systematic sampling with a random start: position k of n takes the arm whose cumulative
 * share interval holds (k + u) / n. Every arm gets n × share rounded down or up in every
 * stratum, so the arms stay balanced on the strata, and each member's arm is random.
 */
export function assignArms(members: readonly DesignMember[], arms: readonly ArmShare[], seed: number): Map<string, string> {
  const strata = new Map<string, string[]>();
  for (const m of members) {
    const list = strata.get(m.stratum) ?? [];
    list.push(m.customerId);
    strata.set(m.stratum, list);
  }
  const rng = new Rng(seed, 9_101);
  const bounds: number[] = [];
  let cumulative = 0;
  for (const a of arms) bounds.push((cumulative += a.share));
  const out = new Map<string, string>();
  for (const key of [...strata.keys()].sort()) {
    const ids = (strata.get(key) as string[]).sort();
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    const u = rng.uniform();
    ids.forEach((id, k) => {
      const x = (k + u) / ids.length;
      const index = bounds.findIndex((b) => x < b);
      out.set(id, (arms[index === -1 ? arms.length - 1 : index] as ArmShare).arm);
    });
  }
  return out;
}

/**
 * Standardized mean difference of a covariate between two groups (Austin 2009):
 * (mean_a − mean_b) / √((var_a + var_b) / 2), with sample variances. |SMD| above 0.1 is the
 * usual sign of imbalance. Null when a group has fewer than two values or both variances are 0.
 */
export function standardizedMeanDifference(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || b.length < 2) return null;
  const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const variance = (x: readonly number[], m: number) => x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
  const ma = mean(a);
  const mb = mean(b);
  const pooled = Math.sqrt((variance(a, ma) + variance(b, mb)) / 2);
  if (pooled === 0) return ma === mb ? 0 : null;
  return (ma - mb) / pooled;
}

/** |SMD| above this is reported as imbalance. */
export const SMD_WARNING = 0.1;
