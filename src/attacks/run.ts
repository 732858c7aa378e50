import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import type { AttackResult } from './attack.js';
import { AttackName, NamedAttackSettings, runNamedAttack } from './registry.js';

/** The settings of `lgm attack` and the demo's attacks when none are given (pixels in [0, 1]). */
export const ATTACK_DEFAULTS: NamedAttackSettings = {
  epsilon: 0.3,
  epsilonL2: 3,
  steps: 10,
  seed: 0,
  batchSize: 100,
  clipMin: 0,
  clipMax: 1,
};

/**
 * What a "successful" adversarial example is, in every table, set and picture of lgm: the attack flipped an
 * image the model classified correctly before (success && originalCorrect; the literature's protocol, e.g.
 * Ma et al. 2018's detection script). Images misclassified before the attack are never counted as fooled.
 */
export function successfulRows(result: Pick<AttackResult, 'success' | 'originalCorrect'>): number[] {
  return result.success.flatMap((s, i) => (s && result.originalCorrect[i] ? [i] : []));
}

/** The rows an attack's sets compare: the images classified correctly before the attack (the `-all` set). */
export function attackedRows(result: Pick<AttackResult, 'originalCorrect'>): number[] {
  return result.originalCorrect.flatMap((c, i) => (c ? [i] : []));
}

/** Features of `rows` of `inputs`, in batches of `batchSize`, as arrays. */
export function rowFeatures(
  classifier: Classifier,
  inputs: tf.Tensor,
  rows: number[],
  batchSize: number,
): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    out.push(
      ...tf.tidy(() => classifier.features(tf.gather(inputs, tf.tensor1d(batch, 'int32'))).arraySync()),
    );
  }
  return out;
}

/** One attack run over a set of images. The caller disposes `result.adversarial`. */
export interface AttackedImages {
  attack: AttackName;
  options: Record<string, unknown>;
  result: AttackResult;
  /** Features of the successful adversarial examples (successfulRows), for the likelihood map. */
  features: number[][];
  seconds: number;
}

/**
 * Runs attack `name` with `options` on `classifier` over images `x` (in the range the options clip to) with
 * labels `y`, and takes the features of its successful examples. What `lgm attack`, `lgm demo` and `reproduce`
 * run; src/run's writeAdversarialSet stores the result with its features.
 */
export function attackImages(
  classifier: Classifier,
  x: tf.Tensor,
  y: tf.Tensor1D,
  name: AttackName,
  options: Record<string, unknown>,
): AttackedImages {
  const started = performance.now();
  const result = runNamedAttack(name, classifier, x, y, options);
  const seconds = (performance.now() - started) / 1000;
  try {
    const batchSize = typeof options.batchSize === 'number' ? options.batchSize : 128;
    const features = rowFeatures(classifier, result.adversarial, successfulRows(result), batchSize);
    return { attack: name, options, result, features, seconds };
  } catch (error) {
    result.adversarial.dispose();
    throw error;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The header of attackLine's table. */
export const ATTACK_TABLE_HEADER = 'attack     success  cleanAcc  advAcc   meanL2  meanLinf  seconds';

/** One line of the attack table: success rate, clean and adversarial accuracy, mean norms, time. */
export function attackLine(a: AttackedImages): string {
  const r = a.result;
  const cleanAcc = mean(r.originalCorrect.map(Number));
  const advAcc = 1 - mean(r.success.map(Number));
  const rate = r.successRate === null ? '     -' : (100 * r.successRate).toFixed(1).padStart(6);
  return (
    `${a.attack.padEnd(9)} ${rate}%  ${(100 * cleanAcc).toFixed(1).padStart(7)}%  ${(100 * advAcc).toFixed(1).padStart(5)}%` +
    `  ${mean(r.l2).toFixed(3).padStart(7)}  ${mean(r.linf).toFixed(3).padStart(8)}  ${a.seconds.toFixed(1).padStart(7)}`
  );
}
