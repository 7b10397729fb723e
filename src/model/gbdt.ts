import { applyBinning, binCount, type FeatureBinning } from './binning.ts';
import { binTrainingSet } from './binning-parallel.ts';
import type { ColumnSet } from './columns.ts';
import { growContext, growTree, type GrowContext } from './grow.ts';
import { histogramLayout } from './histogram.ts';
import { resolveParams, type GbdtParams } from './params.ts';
import { Rng, sampleIndices } from './random.ts';
import { addTreeOutput, type Tree } from './tree.ts';
import { GbdtModel } from './model.ts';

export interface TrainInput {
  train: ColumnSet;
  /** 1 = positive class, 0 = negative. */
  label: Uint8Array;
  valid?: { set: ColumnSet; label: Uint8Array };
}

export interface TrainReport {
  model: GbdtModel;
  /** Validation log-loss per round (empty without a validation set). */
  validLoss: number[];
  bestRound: number;
  rounds: number;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function trainGbdt(input: TrainInput, params: Partial<GbdtParams> = {}): TrainReport {
  const p = resolveParams(params);
  const { train, label } = input;
  const n = train.rowCount;
  if (label.length !== n) throw new RangeError('label length differs from the row count');
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label[i] ? 1 : 0;
  if (positives === 0 || positives === n) throw new RangeError('the label has one class only');

  const { binnings, bins } = binTrainingSet(train, { maxBins: p.maxBins, minCategoryCount: p.minCategoryCount, seed: p.seed }, p.threads);
  const layout = histogramLayout(n, binnings.map(binCount));
  const categorical = Uint8Array.from(binnings, (b) => (b.kind === 'categorical' ? 1 : 0));
  const ctx = growContext(layout, bins, categorical, p, p.threads);
  try {
    return boost(input, p, ctx, binnings, bins);
  } finally {
    ctx.close();
  }
}

function boost(input: TrainInput, p: GbdtParams, ctx: GrowContext, binnings: FeatureBinning[], bins: Uint8Array): TrainReport {
  const { train, label } = input;
  const n = train.rowCount;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label[i] ? 1 : 0;
  const rate = positives / n;
  const baseScore = Math.log(rate / (1 - rate));

  const margin = ctx.margin.fill(baseScore);
  for (let i = 0; i < n; i++) ctx.label[i] = label[i] ? 1 : 0;
  const valid = input.valid;
  const validBins = valid ? applyBinning(valid.set, binnings) : null;
  const validMargin = valid ? new Float64Array(valid.set.rowCount).fill(baseScore) : null;

  const rng = new Rng(p.seed);
  const nFeatures = binnings.length;
  const nCols = Math.max(1, Math.round(p.colsample * nFeatures));
  const nRows = Math.max(1, Math.round(p.subsample * n));
  const rows = ctx.rows;
  const trees: Tree[] = [];
  const validLoss: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestRound = 0;

  for (let round = 0; round < p.maxRounds; round++) {
    if (nRows === n) for (let i = 0; i < n; i++) rows[i] = i;
    else rows.set(sampleIndices(n, nRows, rng));
    const features = nCols === nFeatures ? Int32Array.from({ length: nFeatures }, (_, i) => i) : Int32Array.from(sampleIndices(nFeatures, nCols, rng));
    const { tree, leafRanges } = growTree(ctx, nRows, features, p);
    trees.push(tree);
    if (nRows === n) {
      // Every row sits in exactly one leaf range: no need to walk the tree.
      for (let j = 0; j < leafRanges.length; j += 3) {
        const v = tree.value[leafRanges[j] as number] as number;
        for (let k = leafRanges[j + 1] as number, end = leafRanges[j + 2] as number; k < end; k++) margin[rows[k] as number]! += v;
      }
    } else {
      addTreeOutput(tree, bins, n, margin);
    }
    if (valid && validBins && validMargin) {
      addTreeOutput(tree, validBins, valid.set.rowCount, validMargin);
      const loss = logLoss(validMargin, valid.label);
      validLoss.push(loss);
      if (loss < best - 1e-12) {
        best = loss;
        bestRound = round;
      } else if (round - bestRound >= p.earlyStoppingRounds) {
        break;
      }
    } else {
      bestRound = round;
    }
  }
  const rounds = trees.length;
  const kept = trees.slice(0, bestRound + 1);
  return { model: new GbdtModel({ binnings, baseScore, trees: kept, params: p }), validLoss, bestRound, rounds };
}

export function logLoss(margin: Float64Array, label: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i] as number;
    // log(1 + e^-m) for positives, log(1 + e^m) for negatives, computed stably.
    const z = label[i] ? -m : m;
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s / margin.length;
}

/**
 * Rounds for refitting on `refitRows` rows after early stopping chose `bestRounds` on
 * `trainRows`: in proportion to the rows, since at the same learning rate a model of more
 * rows takes more rounds before it starts to overfit (the flat-table mode refits on all rows,
 * 1.25× the rows it stopped on; measured in bench/model.ts). At least 1.
 */
export function refitRounds(bestRounds: number, trainRows: number, refitRows: number): number {
  if (!(bestRounds >= 1) || !(trainRows > 0) || !(refitRows > 0)) throw new RangeError('refitRounds needs positive rounds and row counts');
  return Math.max(1, Math.round((bestRounds * refitRows) / trainRows));
}
