import { applyBinning, type FeatureBinning } from './binning.ts';
import { calibrateAll, type Calibration } from './calibration.ts';
import type { ColumnSet } from './columns.ts';
import { resolveParams, type GbdtParams } from './params.ts';
import { validateModelJson } from './model-schema.ts';
import { addTreeOutput, treeFromJson, treeToJson, type Tree, type TreeJson } from './tree.ts';

export const MODEL_FORMAT = 'tenure-gbdt';
export const MODEL_VERSION = 1;

export interface GbdtModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  /** Training parameters (the thread count is a runtime choice and is not stored). */
  params: Omit<GbdtParams, 'threads'>;
  features: FeatureBinning[];
  base_score: number;
  calibration: Calibration;
  trees: TreeJson[];
  /** Whatever the caller needs to rebuild the feature columns from raw data (e.g. the flat-table schema). */
  source?: unknown;
}

export interface GbdtModelParts {
  binnings: readonly FeatureBinning[];
  baseScore: number;
  trees: readonly Tree[];
  params: GbdtParams;
  calibration?: Calibration;
}

export class GbdtModel {
  readonly binnings: readonly FeatureBinning[];
  readonly baseScore: number;
  readonly trees: readonly Tree[];
  readonly params: GbdtParams;
  calibration: Calibration;

  constructor(parts: GbdtModelParts) {
    this.binnings = parts.binnings;
    this.baseScore = parts.baseScore;
    this.trees = parts.trees;
    this.params = parts.params;
    this.calibration = parts.calibration ?? { kind: 'none' };
  }

  get featureNames(): string[] {
    return this.binnings.map((b) => b.name);
  }

  bin(set: ColumnSet): Uint8Array {
    return applyBinning(set, this.binnings);
  }

  /** Raw log-odds over a column-major bin matrix of `n` rows. */
  marginBinned(bins: Uint8Array, n: number): Float64Array {
    const margin = new Float64Array(n).fill(this.baseScore);
    for (const t of this.trees) addTreeOutput(t, bins, n, margin);
    return margin;
  }

  margin(set: ColumnSet): Float64Array {
    return this.marginBinned(this.bin(set), set.rowCount);
  }

  /** Calibrated churn probability per row. */
  probability(set: ColumnSet): Float64Array {
    return calibrateAll(this.calibration, this.margin(set));
  }

  /** Total split gain per feature. */
  gainImportance(): Float64Array {
    const out = new Float64Array(this.binnings.length);
    for (const t of this.trees) {
      for (let i = 0; i < t.feature.length; i++) {
        const f = t.feature[i] as number;
        if (f >= 0) out[f]! += t.gain[i] as number;
      }
    }
    return out;
  }

  toJSON(source?: unknown): GbdtModelJson {
    const { threads: _threads, ...params } = this.params;
    const json: GbdtModelJson = {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      params,
      features: [...this.binnings],
      base_score: this.baseScore,
      calibration: this.calibration,
      trees: this.trees.map(treeToJson),
    };
    if (source !== undefined) json.source = source;
    return json;
  }

  /** A model from its JSON form, checked in full first (model-schema.ts): a bad file throws, never hangs. */
  static fromJSON(value: unknown): GbdtModel {
    const j = validateModelJson(value);
    // The thread count is the running machine's choice, never the file's.
    const { threads: _threads, ...params } = (j.params ?? {}) as Partial<GbdtParams>;
    return new GbdtModel({
      binnings: j.features,
      baseScore: j.base_score,
      trees: j.trees.map(treeFromJson),
      params: resolveParams(params),
      calibration: j.calibration ?? { kind: 'none' },
    });
  }
}
