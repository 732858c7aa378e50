// Variance collapse on real digits (docs/reproduce.md, "Learned variances"): an MLP feature map (784-256-D) trained
// with the L-GM loss, learned variances, on MNIST digits 0-7; after each epoch prints test accuracy, the AUROC of
// the likelihood under the predicted class (clean digits 0-7 positive, held-out digits 8-9 negative), the class
// log-variances and the likelihood term. PRIOR=beta is the loss's variancePrior option (beta/2 * sum_j
// (log sigma^2_kj)^2 per class, averaged over classes; unset: lgm's default). LAM (lambda, 0.01), NTRAIN (8000
// training digits), MIXLR (1e-2, Adam on the mixture), BATCH (32). After `npm run build`:
//   PRIOR=0 node bench/variance-mnist.mjs <epochs> <featureDim> <covariance> [seed]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { LgmLossModule, reduceLoss } from '../dist/src/losses/index.js';
import { loadMnist } from '../dist/src/data/index.js';
import { classLogDensity } from '../dist/src/gm/index.js';
import { detectionMetrics } from '../dist/src/detect/metrics.js';
import { mulberry32 } from '../dist/src/util/random.js';
await tf.setBackend('cpu');
const epochs = +(process.argv[2] ?? 10);
const D = +(process.argv[3] ?? 32);
const covariance = process.argv[4] ?? 'isotropic';
const seed = +(process.argv[5] ?? 1);
const prior = process.env.PRIOR === undefined ? undefined : +process.env.PRIOR;
const lambda = +(process.env.LAM ?? 0.01);
const nTrain = +(process.env.NTRAIN ?? 8000);
const mixLr = +(process.env.MIXLR ?? 1e-2);
const batch = +(process.env.BATCH ?? 32);
const K = 8;
const pick = (ds, keep, max) => {
  const px = 28 * 28;
  const xs = [];
  const ys = [];
  for (let i = 0; i < ds.count && ys.length < max; i++)
    if (keep(ds.labels[i])) {
      for (let j = 0; j < px; j++) xs.push(ds.images[i * px + j] / 255);
      ys.push(ds.labels[i]);
    }
  return { x: tf.tensor2d(xs, [ys.length, px]), y: tf.tensor1d(ys, 'int32') };
};
const trainSet = await loadMnist({ split: 'train' });
const testSet = await loadMnist({ split: 'test' });
const train = pick(trainSet, (l) => l < K, nTrain);
const inTest = pick(testSet, (l) => l < K, 2000);
const oodTest = pick(testSet, (l) => l >= K, 1000);
const W1 = tf.variable(tf.randomNormal([784, 256], 0, Math.sqrt(2 / 784), 'float32', seed));
const b1 = tf.variable(tf.zeros([256]));
const W2 = tf.variable(tf.randomNormal([256, D], 0, Math.sqrt(1 / 256), 'float32', seed + 1));
const feat = (x) => tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2);
const mod = new LgmLossModule({
  numClasses: K,
  featureDim: D,
  covariance,
  alpha: 0.1,
  lambda,
  ...(prior === undefined ? {} : { variancePrior: prior }),
  seed: seed + 2,
});
const opt = tf.train.adam(1e-3);
const mixOpt = tf.train.adam(mixLr);
const lv = () => mod.weights.find((w) => w.name === 'logVariances')?.variable;
// log N(f; mu_k, Sigma_k) under the predicted class k (classLogDensity's 2*pi constant does not move the AUROC).
const score = (x) =>
  tf.tidy(() => {
    const f = feat(x);
    const pred = tf.argMax(mod.logits(f), 1);
    const density = classLogDensity(f, mod.params(), { covariance });
    const ll = tf.squeeze(tf.gather(density, tf.expandDims(pred, 1), 1, 1), [1]);
    return { ll: Array.from(ll.dataSync()), pred: pred.dataSync() };
  });
const report = (epoch, aux) => {
  const a = score(inTest.x);
  const o = score(oodTest.x);
  const y = inTest.y.dataSync();
  const acc = a.pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
  const auroc = detectionMetrics(
    a.ll.map((v) => -v),
    o.ll.map((v) => -v),
  ).auroc;
  const v = lv();
  const [lo, mean, hi] =
    v === undefined
      ? [0, 0, 0]
      : tf.tidy(() => [tf.min(v), tf.mean(v), tf.max(v)].map((t) => t.dataSync()[0]));
  console.log(
    JSON.stringify(
      {
        prior: mod.options.variancePrior,
        lambda,
        mixLr,
        nTrain,
        covariance,
        D,
        seed,
        epoch,
        acc,
        auroc,
        aux,
        logVar: { lo, mean, hi },
      },
      (k, x) => (typeof x === 'number' ? Math.round(x * 1000) / 1000 : x),
    ),
  );
};
report(0, null);
const n = train.y.shape[0];
for (let e = 1; e <= epochs; e++) {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed * 1000 + e);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let auxSum = 0;
  let steps = 0;
  for (let i = 0; i + batch <= n; i += batch) {
    const idx = tf.tensor1d(order.slice(i, i + batch), 'int32');
    let auxValue = 0;
    const loss = () =>
      tf.tidy(() => {
        const x = tf.gather(train.x, idx);
        const y = tf.gather(train.y, idx);
        const r = mod.perSample(feat(x), y, {});
        const aux = tf.mean(r.auxiliary);
        auxValue = tf.keep(aux);
        return tf.keep(reduceLoss(r).loss);
      });
    const { value, grads } = tf.variableGrads(loss);
    opt.applyGradients({ [W1.name]: grads[W1.name], [b1.name]: grads[b1.name], [W2.name]: grads[W2.name] });
    const mg = {};
    for (const w of mod.weights) if (grads[w.variable.name]) mg[w.variable.name] = grads[w.variable.name];
    mixOpt.applyGradients(mg);
    if (steps % 50 === 0) auxSum += auxValue.dataSync()[0];
    tf.dispose([value, auxValue]);
    tf.dispose(grads);
    idx.dispose();
    steps++;
  }
  report(e, auxSum / Math.ceil(steps / 50));
}
