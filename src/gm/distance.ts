import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from '../util/tensor.js';

/**
 * d_ik = 1/2 (x_i - mu_k)^T Sigma_k^-1 (x_i - mu_k) for every sample and class, as [N, K], exact in float32
 * and without an N x K x D intermediate.
 *
 * Why not the plain expanded form 1/2 (x^2 iv^T - 2 x (mu iv)^T + mu^2 iv)? Its terms are ~|x|^2 while d can be
 * ~1: with coordinates ~1000 float32 keeps no correct digit of d. Two cures, both cheap:
 *  1. Translation: d is invariant to shifting x and mu by the same c, so the products run on coordinates
 *     centred at the centroid of the means (a constant for the gradient, so no gradient flows through it).
 *  2. Anchors: the entries that decide the loss are the true class (the likelihood term and the margin) and the
 *     nearest class (the largest competitor). For those columns d is recomputed directly from the residual
 *     r = x - mu_a gathered per sample ([N, D] work), so they stay exact even when the means are far apart.
 * Remaining entries keep an error of ~eps * |x - c|^2, which is small relative to their own (large) value.
 * The gradient is written by hand so that it keeps the same split (exact anchor columns + products for the rest).
 *
 * Shapes: x [N,D]; means [K,D]; invVar null (identity), [K] (isotropic) or [K,D] (diagonal); labels [N] int32
 * (optional: an extra exact anchor per sample). Returns [N,K].
 */
export function halfSquaredMahalanobis(
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  invVar: tf.Tensor | null,
  labels?: tf.Tensor1D,
): tf.Tensor2D {
  if (invVar === null) {
    const op = tf.customGrad(((xs: tf.Tensor, mu: tf.Tensor, save: tf.GradSaveFunc) =>
      distanceWithGrad(xs as tf.Tensor2D, mu as tf.Tensor2D, null, labels, save)) as CustomFn);
    return op(x, means) as tf.Tensor2D;
  }
  const op = tf.customGrad(((xs: tf.Tensor, mu: tf.Tensor, iv: tf.Tensor, save: tf.GradSaveFunc) =>
    distanceWithGrad(xs as tf.Tensor2D, mu as tf.Tensor2D, iv, labels, save)) as CustomFn);
  return op(x, means, invVar) as tf.Tensor2D;
}

/** tf.customGrad's callback type: the inputs, then the save function, as one rest parameter. */
type CustomFn = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

interface Centred {
  xc: tf.Tensor2D;
  mc: tf.Tensor2D;
}

function centre(x: tf.Tensor2D, means: tf.Tensor2D): Centred {
  const c = tf.mean(means, 0, true);
  return { xc: tf.sub(x, c), mc: tf.sub(means, c) };
}

/** The expanded-form distances on centred coordinates, clamped at 0 (rounding can make them slightly negative). */
function expandedDistances({ xc, mc }: Centred, invVar: tf.Tensor | null): tf.Tensor2D {
  let d: tf.Tensor;
  if (invVar === null || invVar.rank === 1) {
    const xsq = tf.sum(tf.square(xc), 1, true); // [N,1]
    const msq = tf.reshape(tf.sum(tf.square(mc), 1), [1, -1]); // [1,K]
    const cross = tf.matMul(xc, mc, false, true); // [N,K]
    d = tf.sub(tf.mul(tf.add(xsq, msq), 0.5), cross);
    if (invVar !== null) d = tf.mul(d, tf.reshape(invVar, [1, -1]));
  } else {
    const a = tf.matMul(tf.square(xc), invVar, false, true); // sum_j x^2 iv
    const b = tf.matMul(xc, tf.mul(mc, invVar), false, true); // sum_j x mu iv
    const c = tf.reshape(tf.sum(tf.mul(tf.square(mc), invVar), 1), [1, -1]); // sum_j mu^2 iv
    d = tf.sub(tf.mul(tf.add(a, c), 0.5), b);
  }
  return tf.relu(d) as tf.Tensor2D;
}

/** Per-sample inverse variances of class `a_i`: [N,D] (diagonal), [N,1] (isotropic) or null (identity). */
function gatherInvVar(invVar: tf.Tensor | null, anchor: tf.Tensor1D): tf.Tensor | null {
  if (invVar === null) return null;
  const g = tf.gather(invVar, anchor);
  return invVar.rank === 1 ? tf.reshape(g, [-1, 1]) : g;
}

/** d_{i,a_i} computed directly from residuals, plus the residuals (saved for the backward pass). */
function anchorDistances(
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  invVar: tf.Tensor | null,
  anchor: tf.Tensor1D,
): { r: tf.Tensor2D; d: tf.Tensor1D } {
  const r: tf.Tensor2D = tf.sub(x, tf.gather(means, anchor));
  const iv = gatherInvVar(invVar, anchor); // [N,1] broadcasts for isotropic
  const sq = tf.square(r);
  const d = tf.mul(tf.sum(iv === null ? sq : tf.mul(sq, iv), 1), 0.5) as tf.Tensor1D;
  return { r, d };
}

function distanceWithGrad(
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  invVar: tf.Tensor | null,
  labels: tf.Tensor1D | undefined,
  save: tf.GradSaveFunc,
): { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } {
  const numClasses = means.shape[0];
  const approx = expandedDistances(centre(x, means), invVar);
  const nearest = tf.argMin(approx, 1) as tf.Tensor1D;
  // Anchor 1: the label (when given), else the nearest class; anchor 2: the nearest class unless it is anchor 1.
  const a1 = labels ?? nearest;
  const m1 = oneHotFloat(a1, numClasses);
  const m2 = tf.mul(oneHotFloat(nearest, numClasses), tf.sub(1, m1)) as tf.Tensor2D;
  const e1 = anchorDistances(x, means, invVar, a1);
  const e2 = anchorDistances(x, means, invVar, nearest);
  const rest = tf.sub(tf.sub(1, m1), m2);
  const value = tf.addN([
    tf.mul(approx, rest),
    tf.mul(m1, tf.reshape(e1.d, [-1, 1])),
    tf.mul(m2, tf.reshape(e2.d, [-1, 1])),
  ]) as tf.Tensor2D;
  const toSave: tf.Tensor[] = [x, means, m1, m2, a1, nearest, e1.r, e2.r];
  if (invVar !== null) toSave.push(invVar);
  save(toSave);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    const [sx, smu, sm1, sm2, sa1, sa2, r1, r2, siv] = saved as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor | undefined,
    ];
    return distanceGradients(dy as tf.Tensor2D, sx, smu, siv ?? null, [
      { mask: sm1, anchor: sa1, r: r1 },
      { mask: sm2, anchor: sa2, r: r2 },
    ]);
  };
  return { value, gradFunc };
}

interface Anchor {
  /** [N,K] one-hot of the anchor column (rows may be all zero when the anchor is shared with another). */
  mask: tf.Tensor2D;
  anchor: tf.Tensor1D;
  /** x - mu_anchor, [N,D]. */
  r: tf.Tensor2D;
}

/**
 * Sums rows of `v` ([N] or [N,D]) into the classes given by `index`: [K] or [K,D]. On wasm, lgm registers a
 * row-loop UnsortedSegmentSum (the packaged wasm ScatterNd takes ~4.6 ms for 256 x 512); elsewhere scatterND,
 * which sums duplicate indices too (the cpu backend's UnsortedSegmentSum costs K x N x D: 500x slower here).
 */
function scatterRows(v: tf.Tensor, index: tf.Tensor1D, numClasses: number): tf.Tensor {
  if (tf.getBackend() === 'wasm' && tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) {
    return tf.unsortedSegmentSum(v, index, numClasses);
  }
  const shape = v.rank === 1 ? [numClasses] : [numClasses, v.shape[1] as number];
  return tf.scatterND(tf.reshape(index, [-1, 1]), v, shape);
}

function distanceGradients(
  g: tf.Tensor2D,
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  invVar: tf.Tensor | null,
  anchors: Anchor[],
): tf.Tensor[] {
  const numClasses = means.shape[0];
  let restMask: tf.Tensor = tf.onesLike(g);
  const dx: tf.Tensor[] = [];
  const dmu: tf.Tensor[] = [];
  const div: tf.Tensor[] = [];
  // Exact part: the anchor columns, from residuals.
  for (const { mask, anchor, r } of anchors) {
    restMask = tf.sub(restMask, mask);
    const ga = tf.reshape(tf.sum(tf.mul(g, mask), 1), [-1, 1]); // [N,1]
    const iv = gatherInvVar(invVar, anchor);
    const w = iv === null ? tf.mul(ga, r) : tf.mul(tf.mul(ga, r), iv);
    dx.push(w);
    dmu.push(tf.neg(scatterRows(w, anchor, numClasses)));
    if (invVar !== null) {
      const sq = tf.mul(tf.mul(tf.square(r), ga), 0.5);
      div.push(scatterRows(invVar.rank === 1 ? tf.sum(sq, 1) : sq, anchor, numClasses));
    }
  }
  // Product part: every other column, on centred coordinates.
  const gr = tf.mul(g, restMask) as tf.Tensor2D;
  const { xc, mc } = centre(x, means);
  const s = tf.reshape(tf.sum(gr, 0), [-1, 1]); // [K,1]
  const p = tf.matMul(gr, xc, true, false); // [K,D] sum_i g_ik xc_i
  if (invVar === null || invVar.rank === 1) {
    const ivCol = invVar === null ? null : tf.reshape(invVar, [-1, 1]);
    const gw = ivCol === null ? gr : tf.mul(gr, tf.reshape(invVar as tf.Tensor, [1, -1]));
    dx.push(tf.sub(tf.mul(xc, tf.sum(gw, 1, true)), tf.matMul(gw, mc)));
    const dm = tf.sub(p, tf.mul(mc, s));
    dmu.push(tf.neg(ivCol === null ? dm : tf.mul(dm, ivCol)));
    if (invVar !== null) {
      const xsq = tf.sum(tf.square(xc), 1, true); // [N,1]
      const q = tf.reshape(tf.matMul(gr, xsq, true, false), [-1]); // [K]
      const cross = tf.sum(tf.mul(mc, p), 1);
      const msq = tf.sum(tf.square(mc), 1);
      div.push(tf.mul(tf.add(tf.sub(q, tf.mul(cross, 2)), tf.mul(msq, tf.reshape(s, [-1]))), 0.5));
    }
  } else {
    dx.push(tf.sub(tf.mul(xc, tf.matMul(gr, invVar)), tf.matMul(gr, tf.mul(mc, invVar))));
    dmu.push(tf.neg(tf.mul(invVar, tf.sub(p, tf.mul(mc, s)))));
    const q = tf.matMul(gr, tf.square(xc), true, false);
    div.push(tf.mul(tf.add(tf.sub(q, tf.mul(tf.mul(mc, p), 2)), tf.mul(tf.square(mc), s)), 0.5));
  }
  const grads = [tf.addN(dx), tf.addN(dmu)];
  if (invVar !== null) grads.push(tf.addN(div));
  return grads;
}
