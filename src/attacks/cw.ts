import * as tf from '@tensorflow/tfjs-core';
import { booleanOption, checkKnownKeys, numberOption } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';
import { AttackBaseOptions, AttackResult, BASE_ATTACK_KEYS, resolveBase, runAttack } from './attack.js';
import { LogitsFn, LogitsModel } from './model.js';
import { rows } from './norms.js';

/** Options of the Carlini-Wagner L2 attack. */
export interface CarliniWagnerOptions extends AttackBaseOptions {
  /** Rounds of binary search on the constant c, an integer >= 1. Default 5. */
  binarySearchSteps?: number;
  /** Adam steps per round, an integer >= 1. Default 100. */
  maxIterations?: number;
  /** Adam learning rate in tanh space, > 0. Default 0.05. */
  learningRate?: number;
  /** Starting value of c, > 0. Default 1. */
  initialConstant?: number;
  /** Confidence kappa >= 0: the margin by which another class must beat the label. Default 0. */
  confidence?: number;
  /**
   * Stop a round when the objective has not fallen by 0.01% over the last tenth of maxIterations (as the
   * authors' code does). Default true.
   */
  abortEarly?: boolean;
}

interface CwConfig {
  binarySearchSteps: number;
  maxIterations: number;
  learningRate: number;
  initialConstant: number;
  confidence: number;
  abortEarly: boolean;
  clipMin: number;
  clipMax: number;
}

/** Pixel-space point of a tanh-space variable: (tanh(w) + 1) / 2 * (max - min) + min. */
function fromTanh(w: tf.Tensor, cfg: CwConfig): tf.Tensor {
  return tf.add(tf.mul(tf.add(tf.tanh(w), 1), (cfg.clipMax - cfg.clipMin) / 2), cfg.clipMin);
}

/** The C&W objective at w (see objective), with the pixel-space point, its logits and |x' - x|_2^2 per example. */
interface ObjectiveParts {
  adv: tf.Tensor;
  logits: tf.Tensor2D;
  dist: tf.Tensor1D;
  total: tf.Scalar;
}

/**
 * The C&W objective per example (Carlini & Wagner 2017, eq. with f_6): |x' - x|_2^2 + c * max(Z_y - max_{j!=y}
 * Z_j, -kappa), summed over the batch (examples are independent).
 */
function objective(
  f: LogitsFn,
  w: tf.Tensor,
  x: tf.Tensor,
  oneHot: tf.Tensor2D,
  c: tf.Tensor1D,
  cfg: CwConfig,
): ObjectiveParts {
  const adv = fromTanh(w, cfg);
  const dist = tf.sum(tf.square(rows(tf.sub(adv, x))), 1) as tf.Tensor1D;
  const logits = f(adv);
  const real = tf.sum(tf.mul(logits, oneHot), 1);
  const other = tf.max(tf.sub(logits, tf.mul(oneHot, 1e9)), 1);
  const margin = tf.maximum(tf.sub(real, other), -cfg.confidence);
  return { adv, logits, dist, total: tf.sum(tf.add(dist, tf.mul(c, margin))) };
}

/** Per-example state of the binary search on c, on the host. */
interface Search {
  c: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  bestL2: Float64Array;
}

/** A point w of one round, evaluated: its pixel-space point, predictions, squared L2 distances, objective. */
interface Evaluated {
  adv: tf.Tensor;
  pred: Int32Array;
  l2: Float32Array;
  value: number;
}

/**
 * One round: Adam in tanh space; keeps the smallest successful perturbation per example in `best`. Each step's
 * forward pass also evaluates the point the step starts from (the one the previous step reached), so every point
 * costs one forward and one backward pass; the last point reached gets a forward pass of its own.
 */
function optimiseRound(
  f: LogitsFn,
  x: tf.Tensor,
  y: tf.Tensor1D,
  cfg: CwConfig,
  search: Search,
  best: tf.Tensor,
): { best: tf.Tensor; succeeded: boolean[] } {
  const n = x.shape[0];
  const oneHot = oneHotFloat(y, f(tf.slice(x, 0, 1)).shape[1]);
  const c = tf.tensor1d(Float32Array.from(search.c));
  const scaled = tf.mul(tf.sub(tf.div(tf.sub(x, cfg.clipMin), cfg.clipMax - cfg.clipMin), 0.5), 2 * 0.999999);
  let w = tf.atanh(scaled);
  let m = tf.zerosLike(w);
  let v = tf.zerosLike(w);
  const succeeded = new Array<boolean>(n).fill(false);
  const truth = y.dataSync();
  // The parts of a point, kept past the tidy scopes (and the gradient's) they were computed in.
  const keepParts = (p: ObjectiveParts): ObjectiveParts => ({
    adv: tf.keep(p.adv),
    logits: tf.keep(p.logits),
    dist: tf.keep(p.dist),
    total: tf.keep(p.total),
  });
  const evaluate = (p: ObjectiveParts): Evaluated => {
    const pred = tf.tidy(() => tf.argMax(p.logits, 1).dataSync() as Int32Array);
    const point = { adv: p.adv, pred, l2: p.dist.dataSync() as Float32Array, value: p.total.dataSync()[0] };
    tf.dispose([p.logits, p.dist, p.total]);
    return point;
  };
  // Records which examples the point succeeds on, and keeps it where it is the smallest success so far.
  const record = (point: Evaluated) => {
    const better = new Array<boolean>(n).fill(false);
    for (let i = 0; i < n; i++) {
      if (point.pred[i] !== truth[i]) {
        succeeded[i] = true;
        if (point.l2[i] < search.bestL2[i]) {
          search.bestL2[i] = point.l2[i];
          better[i] = true;
        }
      }
    }
    best = keepBetter(best, point.adv, better);
    point.adv.dispose();
  };
  const checkEvery = Math.max(1, Math.floor(cfg.maxIterations / 10));
  let previous = Infinity;
  let stopped = false;
  for (let t = 1; t <= cfg.maxIterations; t++) {
    let parts: ObjectiveParts | undefined;
    const [nw, nm, nv] = tf.tidy(() => {
      const g = tf.grad((wv: tf.Tensor) => {
        const all = objective(f, wv, x, oneHot, c, cfg);
        if (t > 1) parts = keepParts(all);
        return all.total;
      })(w);
      const m1 = tf.add(tf.mul(m, 0.9), tf.mul(g, 0.1));
      const v1 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(g), 0.001));
      const mHat = tf.div(m1, 1 - 0.9 ** t);
      const vHat = tf.div(v1, 1 - 0.999 ** t);
      return [tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)), cfg.learningRate)), m1, v1];
    });
    if (parts !== undefined) {
      // The point step t - 1 reached: record it, then the authors' early stop on its objective.
      const point = evaluate(parts);
      record(point);
      if (cfg.abortEarly && (t - 1) % checkEvery === 0) {
        if (point.value > previous * 0.9999) {
          [nw, nm, nv].forEach((old) => old.dispose());
          stopped = true;
          break;
        }
        previous = point.value;
      }
    }
    [w, m, v].forEach((old) => old.dispose());
    [w, m, v] = [nw, nm, nv];
  }
  if (!stopped) {
    let last: ObjectiveParts | undefined;
    tf.tidy(() => {
      last = keepParts(objective(f, w, x, oneHot, c, cfg));
    });
    record(evaluate(last as ObjectiveParts));
  }
  [w, m, v, c, oneHot].forEach((t) => t.dispose());
  return { best, succeeded };
}

/** Replaces the rows of `best` flagged in `better` by those of `adv` (disposes the old `best`). */
function keepBetter(best: tf.Tensor, adv: tf.Tensor, better: boolean[]): tf.Tensor {
  if (!better.some(Boolean)) return best;
  const next = tf.tidy(() => {
    const mask = tf.reshape(tf.tensor1d(better, 'bool'), [better.length, ...adv.shape.slice(1).map(() => 1)]);
    return tf.where(tf.broadcastTo(mask, adv.shape), adv, best);
  });
  best.dispose();
  return next;
}

/** Binary search on c (Carlini & Wagner 2017, sec. V): smaller after a success, larger (x10) before any. */
function updateSearch(search: Search, succeeded: boolean[]): void {
  succeeded.forEach((ok, i) => {
    if (ok) search.upper[i] = Math.min(search.upper[i], search.c[i]);
    else search.lower[i] = Math.max(search.lower[i], search.c[i]);
    search.c[i] = search.upper[i] < 1e10 ? (search.lower[i] + search.upper[i]) / 2 : search.c[i] * 10;
  });
}

/**
 * Carlini-Wagner L2 attack (Carlini & Wagner 2017): minimise |x' - x|^2 + c * f_6(x') over x' = tanh-box(w)
 * with Adam, binary-searching c per example. Returns, per example, the successful adversarial of smallest L2
 * norm found, or the clean input when every round failed (reported as a failure).
 */
export function carliniWagnerL2(
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: CarliniWagnerOptions = {},
): AttackResult {
  const where = 'carliniWagnerL2';
  const keys = [
    'binarySearchSteps',
    'maxIterations',
    'learningRate',
    'initialConstant',
    'confidence',
    'abortEarly',
  ];
  checkKnownKeys(where, options, [...BASE_ATTACK_KEYS, ...keys]);
  const base = resolveBase(where, options);
  const positive = { min: Number.MIN_VALUE };
  const cfg: CwConfig = {
    binarySearchSteps: numberOption(where, 'options.binarySearchSteps', options.binarySearchSteps, 5, {
      min: 1,
      integer: true,
    }),
    maxIterations: numberOption(where, 'options.maxIterations', options.maxIterations, 100, {
      min: 1,
      integer: true,
    }),
    learningRate: numberOption(where, 'options.learningRate', options.learningRate, 0.05, positive),
    initialConstant: numberOption(where, 'options.initialConstant', options.initialConstant, 1, positive),
    confidence: numberOption(where, 'options.confidence', options.confidence, 0, { min: 0 }),
    abortEarly: booleanOption(where, 'options.abortEarly', options.abortEarly, true),
    clipMin: base.clipMin,
    clipMax: base.clipMax,
  };
  return runAttack(where, model, inputs, labels, base, (f, x, y) => {
    const n = x.shape[0];
    const search: Search = {
      c: new Float64Array(n).fill(cfg.initialConstant),
      lower: new Float64Array(n),
      upper: new Float64Array(n).fill(1e10),
      bestL2: new Float64Array(n).fill(Infinity),
    };
    let best = x.clone();
    for (let round = 0; round < cfg.binarySearchSteps; round++) {
      const out = optimiseRound(f, x, y, cfg, search, best);
      best = out.best;
      updateSearch(search, out.succeeded);
    }
    return best;
  });
}
