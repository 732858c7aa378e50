import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import type { AttackResult } from './attack.js';
import { carliniWagnerL2 } from './cw.js';
import { deepFool } from './deepfool.js';
import { fgsm } from './fgsm.js';
import { bim, pgd } from './iterative.js';
import type { LogitsModel } from './model.js';

/** Every attack by the name the CLI and the adversarial files use. */
export const ATTACK_NAMES = ['fgsm', 'bim', 'pgd', 'pgd-l2', 'deepfool', 'cw'] as const;
/** The name of an attack (`lgm attack --attack`). */
export type AttackName = (typeof ATTACK_NAMES)[number];

/** The settings shared by the named attacks (each takes the ones it uses). */
export interface NamedAttackSettings {
  /** L-inf budget of fgsm, bim and pgd. */
  epsilon: number;
  /** L2 budget of pgd-l2. */
  epsilonL2: number;
  /** Steps of bim, pgd and pgd-l2; iterations of deepfool; Adam steps per round of cw. */
  steps: number;
  seed: number;
  batchSize: number;
  clipMin: number;
  clipMax: number;
}

/** The options object each named attack is called with (recorded in the adversarial file). */
export function attackOptions(name: AttackName, s: NamedAttackSettings): Record<string, unknown> {
  const base = { clipMin: s.clipMin, clipMax: s.clipMax, batchSize: s.batchSize, seed: s.seed };
  switch (name) {
    case 'fgsm':
      return { ...base, epsilon: s.epsilon };
    case 'bim':
      return { ...base, epsilon: s.epsilon, steps: s.steps };
    case 'pgd':
      return { ...base, epsilon: s.epsilon, steps: s.steps, norm: 'linf', randomStart: true };
    case 'pgd-l2':
      return { ...base, epsilon: s.epsilonL2, steps: s.steps, norm: 'l2', randomStart: true };
    case 'deepfool':
      return { ...base, maxIterations: Math.max(s.steps, 50) };
    case 'cw':
      return { ...base, maxIterations: Math.max(s.steps, 100) };
  }
}

/** Runs a named attack with the options of `attackOptions`. */
export function runNamedAttack(
  name: string,
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: Record<string, unknown>,
): AttackResult {
  const o = options as never;
  switch (name as AttackName) {
    case 'fgsm':
      return fgsm(model, inputs, labels, o);
    case 'bim':
      return bim(model, inputs, labels, o);
    case 'pgd':
    case 'pgd-l2':
      return pgd(model, inputs, labels, o);
    case 'deepfool':
      return deepFool(model, inputs, labels, o);
    case 'cw':
      return carliniWagnerL2(model, inputs, labels, o);
    default:
      throw new LgmError(`runNamedAttack: attack must be one of ${ATTACK_NAMES.join(', ')}, got '${name}'`);
  }
}
