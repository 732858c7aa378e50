import * as tf from '@tensorflow/tfjs-core';
import { COVARIANCE_CODES, LGM_DISTANCE, LGM_DISTANCE_GRAD, type LgmDistanceAttrs } from './kernel-names.js';
import { fusedKernelServes, fusedOp } from './fused-op.js';

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
  if (fusedKernelServes(LGM_DISTANCE, [x, means, invVar])) return nativeDistance(x, means, invVar, labels);
  if (invVar === null) {
    const op = tf.customGrad(((xs: tf.Tensor, mu: tf.Tensor, save: tf.GradSaveFunc) =>
      distanceWithGrad(xs as tf.Tensor2D, mu as tf.Tensor2D, null, labels, save)) as CustomFn);
    return op(x, means) as tf.Tensor2D;
  }
  const op = tf.customGrad(((xs: tf.Tensor, mu: tf.Tensor, iv: tf.Tensor, save: tf.GradSaveFunc) =>
    distanceWithGrad(xs as tf.Tensor2D, mu as tf.Tensor2D, iv, labels, save)) as CustomFn);
  return op(x, means, invVar) as tf.Tensor2D;
}

/**
 * The same algorithm as the TF.js ops below, fused into two native kernels (native/src/lgm_distance.cc): one
 * call forward, one backward, instead of ~60 ops whose per-call overhead and element-wise passes would otherwise
 * cost as much as the matrix products. Labels travel as float32 class indices (exact below 2^24).
 */
function nativeDistance(
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  invVar: tf.Tensor | null,
  labels: tf.Tensor1D | undefined,
): tf.Tensor2D {
  const { identity, isotropic, diagonal } = COVARIANCE_CODES;
  const attrs: LgmDistanceAttrs = {
    covariance: invVar === null ? identity : invVar.rank === 1 ? isotropic : diagonal,
  };
  const labelValues = labels === undefined ? null : tf.cast(labels, 'float32');
  const constants: tf.NamedTensorMap = labelValues === null ? {} : { labels: labelValues };
  const value = fusedOp(LGM_DISTANCE, LGM_DISTANCE_GRAD, { x, means, invVar }, constants, { ...attrs });
  labelValues?.dispose();
  return value as tf.Tensor2D;
}

/** tf.customGrad's callback type: the inputs, then the save function, as one rest parameter. */
type CustomFn = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

/**
 * What the forward pass keeps for the backward pass. Every tensor here is computed once: on the wasm backend
 * element-wise kernels over [K,D] cost as much as a fifth of a matrix product, so none is recomputed.
 */
interface Saved {
  /** Centred features x - c, [N,D], and centred means mu - c, [K,D]. */
  xc: tf.Tensor2D;
  mc: tf.Tensor2D;
  /** Inverse variances as given (null for identity); for diagonal also mc * iv, [K,D]. */
  iv: tf.Tensor | null;
  mciv: tf.Tensor2D | null;
  /** 1/2 xc^2 ([N,D], diagonal) or 1/2 |xc|^2 ([N,1], isotropic); null for identity. */
  xhalf: tf.Tensor2D | null;
  /** [N,K]: 0 at the anchor entries, 1 elsewhere. */
  rest: tf.Tensor2D;
  /** The anchor classes, [A*N] (A = 1 or 2 anchors per sample, stacked), and their [row, class] indices. */
  anchor: tf.Tensor1D;
  index: tf.Tensor2D;
  /** [A*N]: 1, or 0 for a second anchor that repeats the first (counted once). */
  keep: tf.Tensor1D;
  /** Residuals x - mu_anchor, [A*N,D], and the anchors' inverse variances, [A*N,D] / [A*N,1] / null. */
  r: tf.Tensor2D;
  ivAnchor: tf.Tensor | null;
}

/** Sum of rows divided by their count, as [1,D] (tf.mean is slower than tf.sum on wasm: docs/performance.md). */
function centroid(means: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.sum(means, 0, true), 1 / means.shape[0]) as tf.Tensor2D;
}

/** The inputs of the expanded form: a subset of Saved. */
type Expanded = Pick<Saved, 'xc' | 'mc' | 'iv' | 'mciv' | 'xhalf'>;

/** The expanded-form distances on centred coordinates, clamped at 0 (rounding can make them slightly negative). */
function expandedDistances({ xc, mc, iv, mciv, xhalf }: Expanded): tf.Tensor2D {
  if (iv === null || iv.rank === 1) {
    const xsq = xhalf ?? tf.mul(tf.sum(tf.mul(xc, xc), 1, true), 0.5); // [N,1] |xc|^2 / 2
    const msq = tf.reshape(tf.mul(tf.sum(tf.mul(mc, mc), 1), 0.5), [1, -1]); // [1,K] |mc|^2 / 2
    const d = tf.sub(tf.add(xsq, msq), tf.matMul(xc, mc, false, true));
    return tf.relu(iv === null ? d : tf.mul(d, tf.reshape(iv, [1, -1]))) as tf.Tensor2D;
  }
  const a = tf.matMul(xhalf as tf.Tensor2D, iv, false, true); // 1/2 sum_j x^2 iv
  const b = tf.matMul(xc, mciv as tf.Tensor2D, false, true); // sum_j x mu iv
  const c = tf.reshape(tf.mul(tf.sum(tf.mul(mc, mciv as tf.Tensor2D), 1), 0.5), [1, -1]); // 1/2 sum_j mu^2 iv
  return tf.relu(tf.add(tf.sub(a, b), c)) as tf.Tensor2D;
}

/** Per-row inverse variances of classes `anchor`: [M,D] (diagonal), [M,1] (isotropic) or null (identity). */
function gatherInvVar(invVar: tf.Tensor | null, anchor: tf.Tensor1D): tf.Tensor | null {
  if (invVar === null) return null;
  const g = tf.gather(invVar, anchor);
  return invVar.rank === 1 ? tf.reshape(g, [-1, 1]) : g;
}

/** The anchors of every sample: the label (when given) and the nearest class by the expanded form. */
function anchorsOf(nearest: tf.Tensor1D, labels: tf.Tensor1D | undefined, numClasses: number) {
  const n = nearest.shape[0];
  const rows = tf.range(0, n, 1, 'int32');
  if (labels === undefined) {
    return {
      anchor: nearest,
      index: tf.stack([rows, nearest], 1) as tf.Tensor2D,
      keep: tf.ones([n]) as tf.Tensor1D,
      rest: tf.cast(tf.oneHot(nearest, numClasses, 0, 1), 'float32') as tf.Tensor2D,
    };
  }
  const anchor = tf.concat([labels, nearest]) as tf.Tensor1D;
  const keep = tf.concat([tf.ones([n]), tf.cast(tf.notEqual(labels, nearest), 'float32')]) as tf.Tensor1D;
  // oneHot with on = 0, off = 1 built as int32 and cast: the wasm OneHot writes integer bits into float outputs.
  const rest = tf.mul(
    tf.cast(tf.oneHot(labels, numClasses, 0, 1), 'float32'),
    tf.cast(tf.oneHot(nearest, numClasses, 0, 1), 'float32'),
  ) as tf.Tensor2D;
  return { anchor, index: tf.stack([tf.concat([rows, rows]), anchor], 1) as tf.Tensor2D, keep, rest };
}

function distanceWithGrad(
  x: tf.Tensor2D,
  means: tf.Tensor2D,
  iv: tf.Tensor | null,
  labels: tf.Tensor1D | undefined,
  save: tf.GradSaveFunc,
): { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } {
  const [n, numClasses] = [x.shape[0], means.shape[0]];
  const c = centroid(means);
  const xc = tf.sub(x, c) as tf.Tensor2D;
  const mc = tf.sub(means, c) as tf.Tensor2D;
  const diagonal = iv !== null && iv.rank === 2;
  const mciv = diagonal ? (tf.mul(mc, iv) as tf.Tensor2D) : null;
  const xhalf =
    iv === null
      ? null
      : ((diagonal
          ? tf.mul(tf.mul(xc, xc), 0.5)
          : tf.mul(tf.sum(tf.mul(xc, xc), 1, true), 0.5)) as tf.Tensor2D);
  const approx = expandedDistances({ xc, mc, iv, mciv, xhalf });
  const { anchor, index, keep, rest } = anchorsOf(tf.argMin(approx, 1) as tf.Tensor1D, labels, numClasses);
  // Exact anchor distances from residuals; a repeated second anchor is zeroed so scatterND adds it once.
  const r = tf.sub(tf.concat(labels === undefined ? [x] : [x, x]), tf.gather(means, anchor)) as tf.Tensor2D;
  const ivAnchor = gatherInvVar(iv, anchor);
  const sq = tf.mul(r, r);
  const exact = tf.mul(tf.sum(ivAnchor === null ? sq : tf.mul(sq, ivAnchor), 1), tf.mul(keep, 0.5));
  const value = tf.add(tf.mul(approx, rest), tf.scatterND(index, exact, [n, numClasses])) as tf.Tensor2D;
  const s: Saved = { xc, mc, iv, mciv, xhalf, rest, anchor, index, keep, r, ivAnchor };
  const keys = Object.keys(s) as (keyof Saved)[];
  save(keys.map((k) => s[k]).filter((t): t is NonNullable<typeof t> => t !== null));
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    let next = 0;
    const restored = Object.fromEntries(
      keys.map((k) => [k, s[k] === null ? null : saved[next++]]),
    ) as unknown as Saved;
    return distanceGradients(dy as tf.Tensor2D, restored, n);
  };
  return { value, gradFunc };
}

/**
 * Sums rows of `v` ([M] or [M,D]) into the classes given by `index`: [K] or [K,D]. On wasm, lgm registers a
 * row-loop UnsortedSegmentSum (the packaged wasm ScatterNd is slow); elsewhere scatterND, which sums duplicate
 * indices too (the cpu backend's UnsortedSegmentSum costs K x N x D; docs/performance.md, "Measurements behind
 * code choices").
 */
function scatterRows(v: tf.Tensor, index: tf.Tensor1D, numClasses: number): tf.Tensor {
  if (tf.getBackend() === 'wasm' && tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) {
    return tf.unsortedSegmentSum(v, index, numClasses);
  }
  const shape = v.rank === 1 ? [numClasses] : [numClasses, v.shape[1] as number];
  return tf.scatterND(tf.reshape(index, [-1, 1]), v, shape);
}

/**
 * Gradients of sum_ik g_ik d_ik with respect to x, mu and iv:
 *   dx_i = sum_k g_ik iv_k (x_i - mu_k),  dmu_k = -iv_k sum_i g_ik (x_i - mu_k),
 *   div_k = 1/2 sum_i g_ik (x_i - mu_k)^2,
 * exactly from residuals for the anchor entries, by products on centred coordinates for the rest.
 */
function distanceGradients(g: tf.Tensor2D, s: Saved, n: number): tf.Tensor[] {
  const { xc, mc, iv, r, ivAnchor, anchor } = s;
  const numClasses = mc.shape[0];
  // Anchor part: ga = g at each anchor entry (0 for a repeated one), w = ga iv_a r.
  const ga = tf.reshape(tf.mul(tf.gatherND(g, s.index), s.keep), [-1, 1]);
  const gr = tf.mul(r, ga);
  const w = ivAnchor === null ? gr : tf.mul(gr, ivAnchor);
  const dxAnchor = anchor.shape[0] === n ? w : tf.add(...(tf.split(w, 2) as [tf.Tensor, tf.Tensor]));
  const dmuAnchor = scatterRows(w, anchor, numClasses);
  // Product part: every other entry.
  const gRest = tf.mul(g, s.rest) as tf.Tensor2D;
  const count = tf.reshape(tf.sum(gRest, 0), [-1, 1]); // [K,1] sum_i g_ik
  const p = tf.matMul(gRest, xc, true, false); // [K,D] sum_i g_ik xc_i
  const t = tf.mul(mc, count); // [K,D]
  if (iv === null) {
    const dx = tf.sub(tf.mul(xc, tf.sum(gRest, 1, true)), tf.matMul(gRest, mc));
    return [tf.add(dx, dxAnchor), tf.sub(tf.sub(t, p), dmuAnchor)];
  }
  const halfSq = tf.mul(tf.mul(gr, r), 0.5); // 1/2 ga r^2, [A*N,D]
  const xhalf = s.xhalf as tf.Tensor2D;
  if (iv.rank === 1) {
    const ivRow = tf.reshape(iv, [1, -1]);
    const gw = tf.mul(gRest, ivRow) as tf.Tensor2D;
    const dx = tf.sub(tf.mul(xc, tf.sum(gw, 1, true)), tf.matMul(gw, mc));
    const dmu = tf.mul(tf.sub(t, p), tf.reshape(iv, [-1, 1]));
    // 1/2 sum_i g_ik |xc_i - mc_k|^2 = sum_i g_ik |xc_i|^2/2 - mc_k . p_k + |mc_k|^2 count_k / 2.
    const q = tf.reshape(tf.matMul(gRest, xhalf, true, false), [-1]);
    const div = tf.sub(q, tf.sum(tf.mul(mc, tf.sub(p, tf.mul(t, 0.5))), 1));
    return [
      tf.add(dx, dxAnchor),
      tf.sub(dmu, dmuAnchor),
      tf.add(div, scatterRows(tf.sum(halfSq, 1), anchor, numClasses)),
    ];
  }
  const mciv = s.mciv as tf.Tensor2D;
  const dx = tf.sub(tf.mul(xc, tf.matMul(gRest, iv)), tf.matMul(gRest, mciv));
  const dmu = tf.mul(tf.sub(t, p), iv);
  // 1/2 sum_i g_ik (xc_i - mc_k)^2 = q_k - mc_k p_k + 1/2 mc_k^2 count_k, with q_k = sum_i g_ik xc_i^2 / 2.
  const q = tf.matMul(gRest, xhalf, true, false);
  const div = tf.sub(q, tf.mul(mc, tf.sub(p, tf.mul(t, 0.5))));
  return [tf.add(dx, dxAnchor), tf.sub(dmu, dmuAnchor), tf.add(div, scatterRows(halfSq, anchor, numClasses))];
}
