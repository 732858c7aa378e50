import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';
import { AttackBaseOptions, AttackResult, BASE_ATTACK_KEYS, resolveBase, runAttack } from './attack.js';
import { LogitsFn, LogitsModel, logitGradient } from './model.js';
import { rows } from './norms.js';

/** Options of DeepFool. */
export interface DeepFoolOptions extends AttackBaseOptions {
  /** Maximum number of linearisation steps, an integer >= 1. Default 50. */
  maxIterations?: number;
  /** Overshoot eta: the total perturbation is scaled by 1 + eta to cross the boundary. Default 0.02, >= 0. */
  overshoot?: number;
  /** Classes considered per example: the label plus the (candidates - 1) highest others. Default 10, >= 2. */
  candidates?: number;
}

/**
 * The minimal L2 step towards the nearest linearised boundary (Moosavi-Dezfooli et al. 2016, Alg. 2):
 * for candidate classes k != y, w_k = grad f_k - grad f_y and f'_k = f_k - f_y; l = argmin |f'_k| / |w_k|;
 * r = (|f'_l| + 1e-4) / |w_l|^2 * w_l. Returns r as rows [N, P].
 */
function minimalStep(f: LogitsFn, adv: tf.Tensor, cand: tf.Tensor2D, numClasses: number): tf.Tensor2D {
  const c = cand.shape[1];
  const logits = f(adv);
  const columns = tf.unstack(cand, 1) as tf.Tensor1D[];
  const chosen = columns.map((k) => tf.sum(tf.mul(logits, oneHotFloat(k, numClasses)), 1));
  const grads = columns.map((k) => rows(logitGradient(f, adv, k, numClasses)));
  const w = tf.stack(
    grads.slice(1).map((g) => tf.sub(g, grads[0])),
    1,
  ); // [N, C-1, P]
  const fk = tf.abs(
    tf.stack(
      chosen.slice(1).map((v) => tf.sub(v, chosen[0])),
      1,
    ),
  ); // [N, C-1]
  const wNorm = tf.sqrt(tf.sum(tf.square(w), 2)); // [N, C-1]
  const best = oneHotFloat(tf.argMin(tf.div(fk, tf.add(wNorm, 1e-8)), 1) as tf.Tensor1D, c - 1);
  const wl = tf.sum(tf.mul(w, tf.expandDims(best, 2)), 1); // [N, P]
  const fl = tf.sum(tf.mul(fk, best), 1);
  const nl = tf.sum(tf.mul(wNorm, best), 1);
  const scale = tf.div(tf.add(fl, 1e-4), tf.add(tf.square(nl), 1e-12));
  return tf.mul(wl, tf.reshape(scale, [-1, 1])) as tf.Tensor2D;
}

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016), multi-class L2 version: repeatedly linearise the classifier around
 * the current point and step to the nearest class boundary, until the label is no longer predicted. Examples
 * misclassified from the start are left unchanged. Untargeted, with respect to the given labels.
 */
export function deepFool(
  model: LogitsModel,
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  options: DeepFoolOptions = {},
): AttackResult {
  const where = 'deepFool';
  checkKnownKeys(where, options, [...BASE_ATTACK_KEYS, 'maxIterations', 'overshoot', 'candidates']);
  const base = resolveBase(where, options);
  const maxIterations = numberOption(where, 'options.maxIterations', options.maxIterations, 50, {
    min: 1,
    integer: true,
  });
  const overshoot = numberOption(where, 'options.overshoot', options.overshoot, 0.02, { min: 0 });
  const candidates = numberOption(where, 'options.candidates', options.candidates, 10, {
    min: 2,
    integer: true,
  });
  return runAttack(where, model, inputs, labels, base, (f, x, y) => {
    const logits0 = f(x);
    const k = logits0.shape[1];
    // Candidate classes: the label first (forced to the top), then the highest-scoring others.
    const labelFirst = tf.where(
      tf.cast(oneHotFloat(y, k), 'bool'),
      tf.fill(logits0.shape, Infinity),
      logits0,
    );
    const cand = tf.topk(labelFirst, Math.min(candidates, k)).indices as tf.Tensor2D;
    let total: tf.Tensor2D = tf.zerosLike(rows(x));
    let adv = x.clone();
    for (let it = 0; it < maxIterations; it++) {
      // Only examples still classified as their label move (the others keep their perturbation), and only
      // they are linearised: the gradients are taken on the gathered active rows.
      const still = tf.tidy(() => tf.equal(tf.argMax(f(adv), 1), y).dataSync());
      const active = Array.from(still.keys()).filter((i) => still[i] === 1);
      if (active.length === 0) break;
      const next = tf.tidy(() => {
        const idx = tf.tensor1d(active, 'int32');
        const r = minimalStep(f, tf.gather(adv, idx), tf.gather(cand, idx) as tf.Tensor2D, k);
        return tf.add(total, tf.scatterND(tf.reshape(idx, [-1, 1]), r, total.shape)) as tf.Tensor2D;
      });
      [total, adv].forEach((old) => old.dispose());
      total = next;
      adv = tf.tidy(() =>
        tf.clipByValue(
          tf.add(x, tf.reshape(tf.mul(total, 1 + overshoot), x.shape)),
          base.clipMin,
          base.clipMax,
        ),
      );
    }
    return adv;
  });
}
