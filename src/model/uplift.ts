/**
 * Uplift learners on our own gradient-boosted trees: who churns less when given an offer.
 * Trained on a randomized campaign's members (treated = the offer arm, control = held out),
 * outcome = churned within the campaign's window.
 *
 * - T-learner (two models): μ0(x) = P(churn | x, control) fitted on the control members alone,
 *   μ1(x) = P(churn | x, treated) on the treated alone; uplift τ(x) = μ0(x) − μ1(x).
 * - S-learner (one model): μ(x, t) fitted on all members with the treatment t as one more
 *   feature; τ(x) = μ(x, 0) − μ(x, 1). Trees may hardly split on t when the effect is small
 *   next to the churn signal, which is why it is the comparison and a held-out Qini decides.
 *
 * Probabilities are the learners' sigmoid outputs (no calibration step: both arms' models come
 * from the same learner and loss, and only their difference is ranked).
 */
import type { ColumnSet, FeatureColumn } from './columns.ts';
import { trainGbdt } from './gbdt.ts';
import { GbdtModel, type GbdtModelJson } from './model.ts';
import type { GbdtParams } from './params.ts';

export type UpliftLearner = 't_learner' | 's_learner';
export const UPLIFT_LEARNERS: readonly UpliftLearner[] = ['t_learner', 's_learner'];
export const TREATMENT_FEATURE = 'treatment';

export interface UpliftSet {
  readonly columns: ColumnSet;
  /** 1 = the offer arm, 0 = control. */
  readonly treated: Uint8Array;
  /** 1 = churned within the window. */
  readonly churned: Uint8Array;
}

export interface UpliftPrediction {
  /** τ(x): churn without the offer minus churn with it (positive = the offer keeps the customer). */
  readonly uplift: Float64Array;
  readonly churnWithout: Float64Array;
  readonly churnWith: Float64Array;
}

export interface UpliftModelJson {
  readonly learner: UpliftLearner;
  readonly models: Record<string, GbdtModelJson>;
}

/**
 * Small campaigns are a few thousand members, so the trees are shallow and slow to learn, with
 * early stopping on a held-out campaign deciding how many.
 */
export const UPLIFT_PARAMS: Partial<GbdtParams> = { learningRate: 0.05, maxRounds: 400, earlyStoppingRounds: 40, maxDepth: 3, minChildWeight: 5, subsample: 0.8, colsample: 0.8 };

function sigmoid(m: Float64Array): Float64Array {
  return Float64Array.from(m, (x) => 1 / (1 + Math.exp(-x)));
}

function pickRows(set: UpliftSet, arm: 0 | 1): { columns: ColumnSet; label: Uint8Array } {
  const rows: number[] = [];
  for (let i = 0; i < set.treated.length; i++) if (set.treated[i] === arm) rows.push(i);
  const columns = set.columns.columns.map((col): FeatureColumn => {
    if (col.kind === 'numeric') return { ...col, values: Float64Array.from(rows, (i) => col.values[i] as number) };
    return { ...col, codes: Int32Array.from(rows, (i) => col.codes[i] as number) };
  });
  return { columns: { rowCount: rows.length, columns }, label: Uint8Array.from(rows, (i) => set.churned[i] as number) };
}

function withTreatment(columns: ColumnSet, treatment: Uint8Array | number): ColumnSet {
  const values = typeof treatment === 'number' ? new Float64Array(columns.rowCount).fill(treatment) : Float64Array.from(treatment);
  return { rowCount: columns.rowCount, columns: [...columns.columns, { kind: 'numeric', name: TREATMENT_FEATURE, values }] };
}

function hasBoth(label: Uint8Array): boolean {
  let pos = 0;
  for (const v of label) pos += v;
  return pos > 0 && pos < label.length;
}

export class UpliftModel {
  private constructor(
    readonly learner: UpliftLearner,
    readonly models: Readonly<Record<string, GbdtModel>>,
  ) {}

  /** Trees per part (for the record). */
  get trees(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.models).map(([k, m]) => [k, m.trees.length]));
  }

  predict(columns: ColumnSet): UpliftPrediction {
    let churnWithout: Float64Array;
    let churnWith: Float64Array;
    if (this.learner === 't_learner') {
      churnWithout = sigmoid((this.models.control as GbdtModel).margin(columns));
      churnWith = sigmoid((this.models.treated as GbdtModel).margin(columns));
    } else {
      const single = this.models.single as GbdtModel;
      churnWithout = sigmoid(single.margin(withTreatment(columns, 0)));
      churnWith = sigmoid(single.margin(withTreatment(columns, 1)));
    }
    return { uplift: Float64Array.from(churnWithout, (p, i) => p - (churnWith[i] as number)), churnWithout, churnWith };
  }

  toJSON(source?: unknown): UpliftModelJson {
    return { learner: this.learner, models: Object.fromEntries(Object.entries(this.models).map(([k, m]) => [k, m.toJSON(source)])) };
  }

  static fromJSON(json: unknown): UpliftModel {
    const j = json as Partial<UpliftModelJson> | null;
    if (!j || typeof j !== 'object' || !UPLIFT_LEARNERS.includes(j.learner as UpliftLearner) || !j.models || typeof j.models !== 'object') {
      throw new RangeError('not an uplift model (learner and models expected)');
    }
    const parts = j.learner === 't_learner' ? ['control', 'treated'] : ['single'];
    const models: Record<string, GbdtModel> = {};
    for (const p of parts) {
      const m = (j.models as Record<string, unknown>)[p];
      if (m === undefined) throw new RangeError(`the ${j.learner} lacks its ${p} model`);
      models[p] = GbdtModel.fromJSON(m);
    }
    return new UpliftModel(j.learner as UpliftLearner, models);
  }

  /**
   * Fits a learner. With `valid`, each part stops early on the matching part of it (the
   * validation log-loss); `rounds` instead fixes each part's number of trees (a refit on more data).
   */
  static train(learner: UpliftLearner, train: UpliftSet, options: { valid?: UpliftSet; rounds?: Record<string, number>; params?: Partial<GbdtParams> } = {}): UpliftModel {
    const params = { ...UPLIFT_PARAMS, ...options.params };
    const fit = (part: string, set: { columns: ColumnSet; label: Uint8Array }, valid?: { columns: ColumnSet; label: Uint8Array }) => {
      if (!hasBoth(set.label)) throw new RangeError(`the ${part} members are all churners or all stayers; an uplift model needs both`);
      const rounds = options.rounds?.[part];
      const useValid = valid && rounds === undefined && hasBoth(valid.label);
      return trainGbdt(
        { train: set.columns, label: set.label, ...(useValid ? { valid: { set: valid.columns, label: valid.label } } : {}) },
        { ...params, ...(rounds === undefined ? {} : { maxRounds: rounds }) },
      ).model;
    };
    if (learner === 't_learner') {
      return new UpliftModel(learner, {
        control: fit('control', pickRows(train, 0), options.valid && pickRows(options.valid, 0)),
        treated: fit('treated', pickRows(train, 1), options.valid && pickRows(options.valid, 1)),
      });
    }
    const all = (s: UpliftSet) => ({ columns: withTreatment(s.columns, s.treated), label: s.churned });
    return new UpliftModel(learner, { single: fit('single', all(train), options.valid && all(options.valid)) });
  }
}

/** Members of several campaigns as one set (same features; categorical vocabularies merged). */
export function stackUpliftSets(parts: readonly UpliftSet[]): UpliftSet {
  const first = parts[0];
  if (!first) throw new RangeError('no members to stack');
  const rowCount = parts.reduce((n, p) => n + p.columns.rowCount, 0);
  const columns = first.columns.columns.map((col, j): FeatureColumn => {
    if (col.kind === 'numeric') {
      const values = new Float64Array(rowCount);
      let at = 0;
      for (const p of parts) {
        const c = p.columns.columns[j] as typeof col;
        values.set(c.values, at);
        at += c.values.length;
      }
      return { kind: 'numeric', name: col.name, values };
    }
    const vocabulary = [...new Set(parts.flatMap((p) => (p.columns.columns[j] as typeof col).vocabulary))].sort();
    const index = new Map(vocabulary.map((v, i) => [v, i]));
    const codes = new Int32Array(rowCount);
    let at = 0;
    for (const p of parts) {
      const c = p.columns.columns[j] as typeof col;
      const remap = Int32Array.from(c.vocabulary, (v) => index.get(v) ?? -1);
      for (const code of c.codes) codes[at++] = code < 0 ? -1 : (remap[code] as number);
    }
    return { kind: 'categorical', name: col.name, codes, vocabulary };
  });
  const concat = (pick: (p: UpliftSet) => Uint8Array) => {
    const out = new Uint8Array(rowCount);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += p.columns.rowCount;
    }
    return out;
  };
  return { columns: { rowCount, columns }, treated: concat((p) => p.treated), churned: concat((p) => p.churned) };
}
