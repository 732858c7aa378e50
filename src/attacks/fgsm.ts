import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { AttackBaseOptions, AttackResult, BASE_ATTACK_KEYS, resolveBase, runAttack } from './attack.js';
import { LogitsModel, lossGradient } from './model.js';

/** Options of FGSM. */
export interface FgsmOptions extends AttackBaseOptions {
  /** L-inf budget epsilon, a number >= 0 (e.g. 0.3 for MNIST in [0,1]). Required. */
  epsilon: number;
}

/** Reads a required epsilon option. */
export function epsilonOption(where: string, value: unknown): number {
  if (value === undefined)
    throw new LgmError(`${where}: options.epsilon must be a number >= 0, got undefined`);
  return numberOption(where, 'options.epsilon', value, 0, { min: 0 });
}

/**
 * Fast Gradient Sign Method (Goodfellow et al. 2015, eq. 3): x' = clip(x + eps * sign(grad_x J(x, y))).
 * One gradient step of L-inf size eps that increases the cross-entropy of the true label.
 */
export function fgsm(
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: FgsmOptions,
): AttackResult {
  const where = 'fgsm';
  checkKnownKeys(where, options, [...BASE_ATTACK_KEYS, 'epsilon']);
  const base = resolveBase(where, options);
  const eps = epsilonOption(where, options.epsilon);
  return runAttack(where, model, inputs, labels, base, (f, x, y) =>
    tf.clipByValue(tf.add(x, tf.mul(tf.sign(lossGradient(f, x, y)), eps)), base.clipMin, base.clipMax),
  );
}
