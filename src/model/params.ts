import type { GrowParams } from './grow.ts';

export interface GbdtParams extends GrowParams {
  maxRounds: number;
  /** Stop when the validation log-loss has not improved for this many rounds (needs a validation set). */
  earlyStoppingRounds: number;
  /** Fraction of rows sampled (without replacement) for each tree. */
  subsample: number;
  /** Fraction of features sampled for each tree. */
  colsample: number;
  maxBins: number;
  minCategoryCount: number;
  seed: number;
  /** Threads for histogram building: 2 adds a worker for large tables (it pays off only on an otherwise idle machine). */
  threads: number;
}

/**
 * One general configuration, used unchanged on every data set: a moderate learning rate
 * with early stopping decides the number of trees, so nothing is tuned per table.
 */
export const DEFAULT_PARAMS: GbdtParams = {
  learningRate: 0.05,
  maxRounds: 1000,
  earlyStoppingRounds: 50,
  maxDepth: 6,
  numLeaves: 0,
  lambda: 1,
  minChildWeight: 1,
  minSplitGain: 0,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 255,
  minCategoryCount: 10,
  catSmooth: 10,
  catL2: 10,
  maxCatThreshold: 32,
  maxCatToOneHot: 4,
  // ≈ LightGBM's min_data_per_group = 100 rows at p(1 − p) ≈ 0.2: without it, high-cardinality
  // categories (hundreds of service areas) get fitted one small group at a time.
  catMinHessian: 20,
  seed: 42,
  threads: 1,
};

export function resolveParams(p: Partial<GbdtParams> = {}): GbdtParams {
  const out = { ...DEFAULT_PARAMS, ...p };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`invalid parameter: ${what}`);
  };
  check(out.learningRate > 0 && out.learningRate <= 1, 'learningRate in (0, 1]');
  check(Number.isInteger(out.maxRounds) && out.maxRounds >= 1, 'maxRounds ≥ 1');
  check(out.maxDepth > 0 || out.numLeaves > 1, 'maxDepth > 0 or numLeaves > 1');
  check(out.subsample > 0 && out.subsample <= 1, 'subsample in (0, 1]');
  check(out.colsample > 0 && out.colsample <= 1, 'colsample in (0, 1]');
  check(out.lambda >= 0 && out.minChildWeight >= 0 && out.minSplitGain >= 0, 'lambda, minChildWeight, minSplitGain ≥ 0');
  check(out.maxBins >= 3 && out.maxBins <= 255, 'maxBins in [3, 255]');
  return out;
}
