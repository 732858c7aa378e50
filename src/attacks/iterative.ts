import * as tf from '@tensorflow/tfjs-core';
import { LgmError, describe } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import {
  AttackBaseOptions,
  AttackResult,
  BASE_ATTACK_KEYS,
  ResolvedBase,
  resolveBase,
  runAttack,
} from './attack.js';
import { epsilonOption } from './fgsm.js';
import { LogitsFn, LogitsModel, lossGradient } from './model.js';
import { AttackNorm, normalizeL2, project, scaleRows } from './norms.js';

/** Options of the iterative attacks (BIM and PGD). */
export interface IterativeOptions extends AttackBaseOptions {
  /** Budget epsilon in the attack's norm, a number >= 0. Required. */
  epsilon: number;
  /** Number of gradient steps, an integer >= 1. Default 10. */
  steps?: number;
  /** Size of each step in the attack's norm, > 0. Default 2.5 * epsilon / steps (Madry et al. 2018). */
  stepSize?: number;
}

/** Options of PGD. */
export interface PgdOptions extends IterativeOptions {
  /** 'linf' (default) or 'l2'. */
  norm?: AttackNorm;
  /** Start from a uniform random point of the epsilon-ball (seeded). Default true. */
  randomStart?: boolean;
}

interface IterativeConfig {
  base: ResolvedBase;
  eps: number;
  steps: number;
  stepSize: number;
  norm: AttackNorm;
  randomStart: boolean;
}

function resolveIterative(where: string, options: PgdOptions, keys: readonly string[]): IterativeConfig {
  checkKnownKeys(where, options, [...BASE_ATTACK_KEYS, 'epsilon', 'steps', 'stepSize', ...keys]);
  const base = resolveBase(where, options);
  const eps = epsilonOption(where, options.epsilon);
  const steps = numberOption(where, 'options.steps', options.steps, 10, { min: 1, integer: true });
  const stepSize = numberOption(where, 'options.stepSize', options.stepSize, (2.5 * eps) / steps, { min: 0 });
  const norm = choiceOption(where, 'options.norm', options.norm, ['linf', 'l2'], 'linf');
  const randomStart = options.randomStart ?? true;
  if (typeof randomStart !== 'boolean') {
    throw new LgmError(`${where}: options.randomStart must be a boolean, got ${describe(randomStart)}`);
  }
  return { base, eps, steps, stepSize, norm, randomStart };
}

/** A uniform random point of the eps-ball around x (L-inf: uniform cube; L2: uniform ball), clipped. */
function randomStart(x: tf.Tensor, cfg: IterativeConfig, seed: number): tf.Tensor {
  if (cfg.norm === 'linf') {
    return project(
      tf.add(x, tf.randomUniform(x.shape, -cfg.eps, cfg.eps, 'float32', seed)),
      x,
      cfg.eps,
      'linf',
      cfg.base.clipMin,
      cfg.base.clipMax,
    );
  }
  // Direction uniform on the sphere (normalised Gaussian), radius eps * u^(1/P) for a uniform ball in P dims.
  const n = x.shape[0];
  const dims = x.size / n;
  const direction = normalizeL2(tf.randomNormal(x.shape, 0, 1, 'float32', seed));
  const radius = tf.mul(tf.pow(tf.randomUniform([n], 0, 1, 'float32', seed + 1), 1 / dims), cfg.eps);
  return project(
    tf.add(x, scaleRows(direction, radius as tf.Tensor1D)),
    x,
    cfg.eps,
    'l2',
    cfg.base.clipMin,
    cfg.base.clipMax,
  );
}

/** One ascent step on the loss in the attack's norm, followed by the projection. */
function step(f: LogitsFn, adv: tf.Tensor, x: tf.Tensor, y: tf.Tensor1D, cfg: IterativeConfig): tf.Tensor {
  const g = lossGradient(f, adv, y);
  const direction = cfg.norm === 'linf' ? tf.sign(g) : normalizeL2(g);
  return project(
    tf.add(adv, tf.mul(direction, cfg.stepSize)),
    x,
    cfg.eps,
    cfg.norm,
    cfg.base.clipMin,
    cfg.base.clipMax,
  );
}

function iterate(
  f: LogitsFn,
  x: tf.Tensor,
  y: tf.Tensor1D,
  cfg: IterativeConfig,
  batchIndex: number,
): tf.Tensor {
  // Batch b draws its random start from seeds seed + 2b (and seed + 2b + 1 for the L2 radius): reproducible
  // for a given seed and batch size.
  let adv = cfg.randomStart ? randomStart(x, cfg, cfg.base.seed + 2 * batchIndex) : x.clone();
  for (let t = 0; t < cfg.steps; t++) {
    const next = tf.tidy(() => step(f, adv, x, y, cfg));
    adv.dispose();
    adv = next;
  }
  return adv;
}

/**
 * Basic Iterative Method / iterative FGSM (Kurakin et al. 2017): `steps` FGSM steps of size stepSize, each
 * followed by clipping to the L-inf eps-ball around x and to the pixel range. No random start.
 */
export function bim(
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: IterativeOptions,
): AttackResult {
  const cfg = resolveIterative('bim', options, []);
  cfg.randomStart = false;
  return runAttack('bim', model, inputs, labels, cfg.base, (f, x, y, b) => iterate(f, x, y, cfg, b));
}

/**
 * Projected Gradient Descent (Madry et al. 2018): a random start in the eps-ball, then `steps` steps of
 * normalised gradient ascent (sign for L-inf, unit L2 direction for L2) with projection onto the ball and the
 * pixel range after each.
 */
export function pgd(
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: PgdOptions,
): AttackResult {
  const cfg = resolveIterative('pgd', options, ['norm', 'randomStart']);
  return runAttack('pgd', model, inputs, labels, cfg.base, (f, x, y, b) => iterate(f, x, y, cfg, b));
}
