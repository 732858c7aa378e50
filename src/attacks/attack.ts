import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, checkLabels } from '../gm/params.js';
import { LgmError, describe } from '../util/errors.js';
import { numberOption } from '../util/options.js';
import { LogitsFn, LogitsModel, logitsFunction, predictions } from './model.js';
import { l2Norms, linfNorms } from './norms.js';

/** Options every attack accepts. */
export interface AttackBaseOptions {
  /** Smallest valid input value. Default 0. */
  clipMin?: number;
  /** Largest valid input value, > clipMin. Default 1. */
  clipMax?: number;
  /** Examples attacked at once, an integer >= 1. Default 128. */
  batchSize?: number;
  /** Seed of any randomness (random starts). Default 0. */
  seed?: number;
}

export const BASE_ATTACK_KEYS = ['clipMin', 'clipMax', 'batchSize', 'seed'] as const;

/** Validated base options. */
export interface ResolvedBase {
  clipMin: number;
  clipMax: number;
  batchSize: number;
  seed: number;
}

export function resolveBase(where: string, options: AttackBaseOptions): ResolvedBase {
  const clipMin = numberOption(where, 'options.clipMin', options.clipMin, 0);
  const clipMax = numberOption(where, 'options.clipMax', options.clipMax, 1);
  if (!(clipMax > clipMin)) {
    throw new LgmError(`${where}: options.clipMax must be > clipMin (${clipMin}), got number ${clipMax}`);
  }
  return {
    clipMin,
    clipMax,
    batchSize: numberOption(where, 'options.batchSize', options.batchSize, 128, { min: 1, integer: true }),
    seed: numberOption(where, 'options.seed', options.seed, 0, { integer: true }),
  };
}

/** What every attack returns. */
export interface AttackResult {
  /** The adversarial inputs, same shape as the inputs, in [clipMin, clipMax]. The caller disposes it. */
  adversarial: tf.Tensor;
  /** Per example: the adversarial input is misclassified (prediction != label). */
  success: boolean[];
  /** Per example: the clean input was classified correctly. */
  originalCorrect: boolean[];
  /** Predicted classes of the adversarial inputs. */
  predictions: number[];
  /** Per-example L2 norm of the perturbation (adversarial - input). */
  l2: number[];
  /** Per-example L-inf norm of the perturbation. */
  linf: number[];
  /**
   * Attack success rate: the fraction of correctly classified clean inputs whose adversarial is misclassified;
   * null when no clean input is classified correctly.
   */
  successRate: number | null;
}

/** One batch of an attack: clean inputs and labels in, adversarial inputs out (a new tensor). */
export type BatchAttack = (f: LogitsFn, x: tf.Tensor, labels: tf.Tensor1D, batchIndex: number) => tf.Tensor;

/** Checks inputs (float32, rank >= 2, finite, inside the pixel range) and labels. */
function checkInputs(
  where: string,
  f: LogitsFn,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  base: ResolvedBase,
): void {
  if (
    !(inputs instanceof tf.Tensor) ||
    inputs.dtype !== 'float32' ||
    inputs.rank < 2 ||
    inputs.shape[0] < 1
  ) {
    throw new LgmError(`${where}: inputs must be float32 [N,...] with N >= 1, got ${describe(inputs)}`);
  }
  checkFinite(where, 'inputs', inputs);
  const [lo, hi] = tf.tidy(() => [tf.min(inputs).dataSync()[0], tf.max(inputs).dataSync()[0]]);
  if (lo < base.clipMin || hi > base.clipMax) {
    throw new LgmError(
      `${where}: inputs must lie in [clipMin, clipMax] = [${base.clipMin}, ${base.clipMax}], got values in [${lo}, ${hi}]`,
    );
  }
  const numClasses = tf.tidy(() => f(tf.slice(inputs, 0, 1)).shape[1]);
  checkLabels(where, labels, inputs.shape[0], numClasses);
}

/**
 * Runs a batch attack over all inputs in batches of base.batchSize and gathers the per-example report.
 * Every batch runs in tf.tidy, so only the adversarial inputs survive.
 */
export function runAttack(
  where: string,
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  base: ResolvedBase,
  attack: BatchAttack,
): AttackResult {
  const f = logitsFunction(where, model);
  checkInputs(where, f, inputs, labels, base);
  const n = inputs.shape[0];
  const parts: tf.Tensor[] = [];
  const report = { success: [] as boolean[], originalCorrect: [] as boolean[], predictions: [] as number[] };
  const l2: number[] = [];
  const linf: number[] = [];
  try {
    for (let start = 0, b = 0; start < n; start += base.batchSize, b++) {
      const size = Math.min(base.batchSize, n - start);
      const adv = tf.tidy(() => {
        const x = tf.slice(inputs, start, size);
        const y = tf.slice(labels, start, size);
        const out = attack(f, x, y, b);
        const clean = predictions(f, x);
        const after = predictions(f, out);
        const truth = y.dataSync();
        const delta = tf.sub(out, x);
        l2.push(...l2Norms(delta).dataSync());
        linf.push(...linfNorms(delta).dataSync());
        for (let i = 0; i < size; i++) {
          report.originalCorrect.push(clean[i] === truth[i]);
          report.success.push(after[i] !== truth[i]);
          report.predictions.push(after[i]);
        }
        return out;
      });
      parts.push(adv);
    }
    const adversarial = tf.concat(parts, 0);
    return {
      adversarial,
      ...report,
      l2,
      linf,
      successRate: successRate(report.originalCorrect, report.success),
    };
  } finally {
    for (const p of parts) p.dispose();
  }
}

function successRate(originalCorrect: boolean[], success: boolean[]): number | null {
  let correct = 0;
  let flipped = 0;
  originalCorrect.forEach((c, i) => {
    if (c) {
      correct++;
      if (success[i]) flipped++;
    }
  });
  return correct === 0 ? null : flipped / correct;
}
