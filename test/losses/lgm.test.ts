import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { LGM_DEFAULTS, initBackend, lgmLoss } from '../../src/index.js';
import { loadAddon, nativeKernelCalls } from '../../src/native/index.js';
import type { LgmLossOptions } from '../../src/index.js';
import { finiteDifference, refLoss, type Kind, type RefOptions } from '../helpers/reference.js';
import {
  assertClose,
  makeProblem,
  problemTensors,
  type Problem,
  type ProblemSpec,
} from '../helpers/problems.js';

const KINDS: Kind[] = ['identity', 'isotropic', 'diagonal'];

/** Our loss and its gradients w.r.t. features, means, log-variances and log-priors, as plain arrays. */
function ours(p: Problem, options: LgmLossOptions) {
  const t = problemTensors(p);
  const inputs = [t.features, t.means, t.logVariances, t.logPriors].filter(
    (v) => v !== undefined,
  ) as tf.Tensor[];
  const f = (...args: tf.Tensor[]) => {
    let i = 0;
    const features = args[i++] as tf.Tensor2D;
    const means = args[i++] as tf.Tensor2D;
    const logVariances = t.logVariances === undefined ? undefined : args[i++];
    const logPriors = t.logPriors === undefined ? undefined : (args[i++] as tf.Tensor1D);
    return lgmLoss(features, t.labels, { means, logVariances, logPriors }, options).loss;
  };
  const grads = tf
    .grads(f)(inputs)
    .map((g) => g.arraySync() as number[] | number[][]);
  const r = lgmLoss(
    t.features,
    t.labels,
    { means: t.means, logVariances: t.logVariances, logPriors: t.logPriors },
    options,
  );
  const out = {
    loss: r.loss.dataSync()[0],
    classificationLoss: r.classificationLoss.dataSync()[0],
    likelihoodLoss: r.likelihoodLoss.dataSync()[0],
    logits: r.logits.arraySync(),
    grads,
  };
  tf.dispose([r.loss, r.classificationLoss, r.likelihoodLoss, r.logits, ...inputs, t.labels]);
  return out;
}

/** Reference loss parts and finite-difference gradients in float64. */
function reference(p: Problem, options: RefOptions) {
  const r = refLoss(p.x, p.y, p.params, options);
  const lossOf = () => refLoss(p.x, p.y, p.params, options).loss;
  const grads = [finiteDifference(p.x, lossOf), finiteDifference(p.params.means, lossOf)];
  if (p.params.logVariances !== undefined) grads.push(finiteDifference(p.params.logVariances, lossOf));
  if (p.params.logPriors !== undefined) grads.push(finiteDifference(p.params.logPriors, lossOf));
  return { ...r, grads };
}

function compare(problem: ProblemSpec | Problem, options: LgmLossOptions, rtol = 1e-3) {
  const p = 'x' in problem ? problem : makeProblem(problem);
  const a = ours(p, options);
  // Absent options take LGM_DEFAULTS in lgmLoss; the reference is told them explicitly.
  const b = reference(p, {
    covariance: 'identity',
    alpha: LGM_DEFAULTS.alpha,
    lambda: LGM_DEFAULTS.lambda,
    variancePrior: LGM_DEFAULTS.variancePrior,
    ...options,
  } as RefOptions);
  assertClose(a.loss, b.loss, rtol, 'loss');
  assertClose(a.classificationLoss, b.classificationLoss, rtol, 'classificationLoss');
  assertClose(a.likelihoodLoss, b.likelihoodLoss, rtol, 'likelihoodLoss');
  assertClose(a.logits, b.logits, rtol, 'logits');
  const names = ['d/features', 'd/means', 'd/logVariances', 'd/logPriors'].filter(
    (_, i) => i < 2 || (i === 2 ? p.params.logVariances !== undefined : p.params.logPriors !== undefined),
  );
  a.grads.forEach((g, i) => assertClose(g, b.grads[i], rtol, names[i]));
}

// 'wasm' is the backend as tfjs ships it; 'wasm+lgm' has lgm's kernels (initBackend), so it runs last.
for (const backend of ['cpu', 'wasm', 'wasm+lgm']) {
  for (const covariance of KINDS) {
    test(`${backend} ${covariance}: loss parts, logits and gradients match float64 finite differences`, async () => {
      await useBackend(backend);
      compare(
        { n: 12, k: 4, d: 3, kind: covariance, seed: 1, priors: true, flipFraction: 0.3 },
        { covariance, alpha: 0.3, lambda: 0.1 },
      );
    });
  }
}

for (const backend of ['cpu', 'wasm+lgm']) {
  for (const covariance of ['isotropic', 'diagonal'] as const) {
    test(`${backend} ${covariance}: the variance prior's value and gradient match float64 (beta 0.5, and off)`, async () => {
      await useBackend(backend);
      // Log-variances away from 0 so that the prior's gradient (beta D v / numel) is large.
      const problem = makeProblem({ n: 10, k: 3, d: 4, kind: covariance, seed: 5, priors: false });
      const lv = problem.params.logVariances as number[] | number[][];
      problem.params.logVariances = lv.map((v) =>
        Array.isArray(v) ? v.map((x, j) => x + (j % 2 === 0 ? 1.5 : -2)) : v + 1.5,
      ) as number[] | number[][];
      compare(problem, { covariance, alpha: 0.2, lambda: 0.05, variancePrior: 0.5 });
      compare(problem, { covariance, alpha: 0.2, lambda: 0.05, variancePrior: 0 });
    });
  }
}

/** Sets the backend of a test: 'wasm+lgm' is lgm's wasm setup (training kernels, native kernels when built). */
async function useBackend(backend: string) {
  if (backend === 'wasm+lgm') await initBackend('wasm');
  else await tf.setBackend(backend);
}

// The exactness cases run on both code paths: TF.js ops (cpu) and the addon's fused kernels (wasm+lgm, when built).
for (const [backend, covariance] of ['cpu', 'wasm+lgm'].flatMap((b) => KINDS.map((k) => [b, k] as const))) {
  test(`${backend} ${covariance}: exact when features and means sit far from the origin (~1000, spread ~1)`, async () => {
    await useBackend(backend);
    compare(
      {
        n: 16,
        k: 5,
        d: 8,
        kind: covariance,
        seed: 2,
        offset: 1000,
        meanSpread: 1,
        featureSpread: 1,
        flipFraction: 0.2,
      },
      { covariance, alpha: 0.5, lambda: 0.2 },
    );
  });

  test(`${backend} ${covariance}: exact when distances are large (saturated softmax, means ~300 apart)`, async () => {
    await useBackend(backend);
    // Correct labels: the classification loss underflows towards 0 and the likelihood term (d ~ D/2) dominates,
    // so any cancellation error in d_{i,y_i} would show.
    compare(
      { n: 16, k: 5, d: 8, kind: covariance, seed: 3, meanSpread: 300, featureSpread: 1 },
      { covariance, alpha: 1, lambda: 0.05 },
    );
    // Wrong labels: huge classification losses, gradients dominated by the nearest (wrong) class.
    compare(
      { n: 16, k: 5, d: 8, kind: covariance, seed: 3, meanSpread: 300, featureSpread: 1, flipFraction: 0.5 },
      { covariance, alpha: 1, lambda: 0.05 },
    );
  });
}

for (const backend of ['cpu', 'wasm+lgm']) {
  test(`${backend}: logDet false drops log|Sigma| from logits and likelihood; priors absent means uniform`, async () => {
    await useBackend(backend);
    compare(
      { n: 10, k: 3, d: 4, kind: 'diagonal', seed: 4 },
      { covariance: 'diagonal', logDet: false, lambda: 0.3 },
    );
  });
}

for (const backend of ['cpu', 'wasm+lgm']) {
  test(`${backend}: variance floor: log-variances below minLogVariance are clamped; only the prior moves them`, async () => {
    await useBackend(backend);
    const p = makeProblem({ n: 8, k: 2, d: 3, kind: 'isotropic', seed: 5 });
    p.params.logVariances = [-50, 0.2];
    compare(p, { covariance: 'isotropic', minLogVariance: -2 });
    const t = problemTensors(p);
    const gradient = (variancePrior: number) =>
      tf
        .grad(
          (lv: tf.Tensor) =>
            lgmLoss(
              t.features,
              t.labels,
              { means: t.means, logVariances: lv },
              { covariance: 'isotropic', minLogVariance: -2, variancePrior },
            ).loss,
        )(t.logVariances as tf.Tensor)
        .arraySync() as number[];
    const r = lgmLoss(
      t.features,
      t.labels,
      { means: t.means, logVariances: t.logVariances },
      { covariance: 'isotropic' },
    );
    const without = gradient(0);
    assert.ok(without[0] === 0, `gradient below the floor without the prior is ${without[0]}`);
    assert.notEqual(without[1], 0);
    // The prior's gradient beta * D * v / K (D = 3, K = 2) is all that reaches a floored log-variance: it
    // points back up from the floor.
    const withPrior = gradient(0.01);
    assertClose(withPrior[0], (0.01 * 3 * -50) / 2, 1e-5, 'prior gradient below the floor');
    assert.ok(Number.isFinite(r.loss.dataSync()[0]), 'loss stays finite with a log-variance of -50');
  });
}

for (const backend of ['cpu', 'wasm+lgm']) {
  test(`${backend}: alpha=0, lambda=0, identity, uniform priors equals softmax cross-entropy on -d`, async () => {
    await useBackend(backend);
    const p = makeProblem({ n: 20, k: 6, d: 5, kind: 'identity', seed: 6, flipFraction: 0.3 });
    const t = problemTensors(p);
    const r = lgmLoss(t.features, t.labels, { means: t.means }, { alpha: 0, lambda: 0 });
    const d = tf.mul(
      tf.sum(tf.square(tf.sub(tf.expandDims(t.features, 1), tf.expandDims(t.means, 0))), 2),
      0.5,
    ) as tf.Tensor2D;
    const expected = tf.losses.softmaxCrossEntropy(tf.oneHot(t.labels, 6), tf.neg(d));
    assertClose(r.loss.dataSync()[0], expected.dataSync()[0], 1e-5, 'softmax CE');
    assertClose(
      r.logits.arraySync(),
      tf.sub(tf.neg(d), Math.log(6)).arraySync() as number[][],
      1e-5,
      'logits',
    );
  });
}

for (const backend of ['cpu', 'wasm+lgm']) {
  test(`${backend}: no NaN or Inf for extreme but finite inputs`, async () => {
    await useBackend(backend);
    const features = tf.tensor2d([
      [1e15, -1e15],
      [0, 0],
      [1e-30, 3],
    ]);
    const labels = tf.tensor1d([0, 1, 1], 'int32');
    const means = tf.tensor2d([
      [0, 0],
      [1e10, 1e10],
    ]);
    const logVariances = tf.tensor2d([
      [80, -80],
      [-1e4, 1e4],
    ]);
    const r = lgmLoss(
      features,
      labels,
      { means, logVariances },
      { covariance: 'diagonal', alpha: 2, lambda: 1 },
    );
    for (const v of [r.loss, r.classificationLoss, r.likelihoodLoss])
      assert.ok(Number.isFinite(v.dataSync()[0]));
    assert.ok((r.logits.dataSync() as Float32Array).every((v) => !Number.isNaN(v)));
  });
}

for (const backend of ['cpu', 'wasm+lgm']) {
  test(`${backend}: lgmLoss leaks no tensors, with or without gradients`, async () => {
    await useBackend(backend);
    const t = problemTensors(makeProblem({ n: 6, k: 3, d: 2, kind: 'diagonal', seed: 7, priors: true }));
    const params = { means: t.means, logVariances: t.logVariances, logPriors: t.logPriors };
    const before = tf.memory().numTensors;
    const r = lgmLoss(t.features, t.labels, params, { covariance: 'diagonal', alpha: 0.1, lambda: 0.1 });
    assert.equal(tf.memory().numTensors, before + 4, 'exactly the four returned tensors remain');
    tf.dispose([r.loss, r.classificationLoss, r.likelihoodLoss, r.logits]);
    assert.equal(tf.memory().numTensors, before);
    const g = tf.grads(
      (x: tf.Tensor, m: tf.Tensor, lv: tf.Tensor) =>
        lgmLoss(
          x as tf.Tensor2D,
          t.labels,
          { means: m as tf.Tensor2D, logVariances: lv },
          { covariance: 'diagonal', lambda: 1 },
        ).loss,
    )([t.features, t.means, t.logVariances as tf.Tensor]);
    assert.equal(tf.memory().numTensors, before + 3, 'only the three gradients remain');
    tf.dispose(g);
  });
}

test('wasm+lgm: with the addon built, lgmLoss and its gradient run as the fused native kernels', async (t) => {
  if (loadAddon().reason !== null) {
    t.skip(`native addon unavailable: ${loadAddon().reason}`);
    return;
  }
  await useBackend('wasm+lgm');
  const p = problemTensors(makeProblem({ n: 6, k: 3, d: 4, kind: 'diagonal', seed: 8, priors: true }));
  nativeKernelCalls(true);
  const grads = tf.grads(
    (x: tf.Tensor, lv: tf.Tensor) =>
      lgmLoss(
        x as tf.Tensor2D,
        p.labels,
        { means: p.means, logVariances: lv, logPriors: p.logPriors },
        { covariance: 'diagonal', lambda: 0.1 },
      ).loss,
  )([p.features, p.logVariances as tf.Tensor]);
  tf.dispose(grads);
  const calls = nativeKernelCalls(true);
  assert.equal(calls.LgmLoss?.native, 1);
  assert.equal(calls.LgmLossGrad?.native, 1);
});
