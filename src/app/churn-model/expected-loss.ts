import type { Dialect } from '../../store/dialect.ts';

/**
 * Expected loss, the one definition (README, "How figures are defined"): churn probability within
 * the model's horizon × max(0, value at stake), to the cent. Risk counts once, here: the value at
 * stake never reads the score.
 */

/** Expected loss of one customer; a value that is not a number counts as 0. */
export function expectedLoss(probability: number, valueAtStake: number): number {
  return Number.isFinite(valueAtStake) ? Math.round(probability * Math.max(0, valueAtStake) * 100) / 100 : 0;
}

/**
 * expectedLoss as SQL over a probability and a value expression, for figures kept in the store.
 * Rounded as round(x · 100) / 100, half away from zero (dialect.roundHalfAway): for these
 * non-negative amounts the same as Math.round (expected-loss.test.ts compares the two on each engine).
 */
export const expectedLossSql = (d: Dialect, probability: string, valueAtStake: string): string =>
  `CASE WHEN ${d.isFinite(valueAtStake)} THEN ${d.roundHalfAway(`${probability} * greatest(0, ${valueAtStake})`, 2)} ELSE 0 END`;
