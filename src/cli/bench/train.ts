/**
 * `lgm bench train`: images per second of full training steps (forward, backward, optimizer update) of LeNet++
 * or a CIFAR ResNet with the L-GM loss or softmax cross-entropy, after warm-up steps, on seeded random batches.
 * This is how training speed is judged; it also reports model FLOPs against the measured sgemm peak, memory and
 * tensor counts (so that growth over many steps shows), and optionally a per-kernel profile.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { backendInfo, initBackend } from '../../backend/index.js';
import { checkLgmInputs, computeLgmLossPerSample } from '../../losses/lgm.js';
import { resolveLgmOptions } from '../../losses/lgm-options.js';
import { reduceLoss } from '../../losses/reduce.js';
import { buildNetwork } from '../../nets/registry.js';
import { mulberry32, seededNormal } from '../../util/random.js';
import { oneHotFloat } from '../../util/tensor.js';
import { type FlagDef, choiceFlag, integerFlag, parseFlagTable, usageText } from '../flags.js';
import { type Benchmark, MODEL_BENCH_FLAGS, NO_PEAK_FLAG } from './benchmark.js';
import { addFlops, countHeadFlops, countModelFlops, type FlopCount } from './flops.js';
import { achieved, measurePeak } from './peak.js';
import { peakRssMiB, rssMiB } from './memory.js';
import { profileTrainStep } from './profile.js';
import { Optimizer } from '../../train/optimizer.js';
import { releasingVariableGrads } from '../../util/releasing-gradients.js';
import { resolveTrainConfig } from '../../train/config.js';

const WHERE = 'bench train';
const NUM_CLASSES = 10;
const COVARIANCES = ['identity', 'isotropic', 'diagonal'] as const;
const BENCH_NETS = ['lenetpp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'] as const;
/** A small rate: the bench runs on random images and labels, where 0.01 made ResNet-20 + L-GM diverge to NaN. */
const BENCH_LR = 0.001;
/** The trainer's SGD defaults (momentum 0.9), without weight decay. */
const BENCH_SGD = resolveTrainConfig({ optimizer: { name: 'sgd', weightDecay: 0 } }).optimizer;
/** LeNet++ on MNIST-shaped images, the ResNets on CIFAR-shaped ones. */
const inputShapeOf = (net: (typeof BENCH_NETS)[number]) => (net === 'lenetpp' ? [28, 28, 1] : [32, 32, 3]);

/** Settings of one benchmark run. */
export interface TrainBenchOptions {
  /** Network: 'lenetpp' (the paper's MNIST net, 28x28x1 inputs) or 'resnet20/32/56/110' (CIFAR, 32x32x3). */
  net: (typeof BENCH_NETS)[number];
  /** Loss: 'lgm' (L-GM head with learned means) or 'softmax' (dense layer + softmax cross-entropy). */
  loss: 'lgm' | 'softmax';
  /** L-GM covariance (ignored for softmax). */
  covariance: (typeof COVARIANCES)[number];
  /** Images per step, >= 1. */
  batch: number;
  /** Timed steps, >= 1. */
  steps: number;
  /** Untimed steps before timing, >= 0. */
  warmup: number;
  /** Feature width D, >= 1. */
  featureDim: number;
  /** Seed of weights and data. */
  seed: number;
}

function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const normal = seededNormal(mulberry32(seed));
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => scale * normal()),
    shape,
  );
}

/** A training step closure and what it owns. */
interface TrainStep {
  /** Runs one step; returns the loss when `withLoss` (it costs a read), else null. */
  run(withLoss: boolean): number | null;
  /** Model FLOPs of one step (src/bench/flops.ts): the network's and the head's products, forward + backward. */
  flops: FlopCount;
  /** The step in its three phases, for the profile (src/bench/profile.ts): run in turn they make one step. */
  phases: {
    /** Forward pass and loss alone (result disposed). */
    forward(): void;
    /** Forward and backward: the gradients of every trained variable (caller disposes them). */
    gradients(): tf.NamedTensorMap;
    /** The optimizer update with those gradients. */
    update(grads: tf.NamedTensorMap): void;
  };
  dispose(): void;
}

/**
 * Builds the network (LeNet++ or a CIFAR ResNet), the head's variables and the trainer's momentum optimizer; each
 * step runs model.apply, the loss, its gradients and the update on one fixed batch (data loading is not part of
 * what is measured).
 */
export function buildTrainStep(o: TrainBenchOptions): TrainStep {
  const inputShape = inputShapeOf(o.net);
  const model = buildNetwork(o.net, { featureDim: o.featureDim, inputShape, seed: o.seed });
  const images = seededTensor([o.batch, ...inputShape], o.seed + 1);
  const rand = mulberry32(o.seed + 2);
  const labels = tf.tensor1d(
    Array.from({ length: o.batch }, () => Math.floor(rand() * NUM_CLASSES)),
    'int32',
  );
  const head: tf.Variable[] = [];
  const lossFn: (features: tf.Tensor2D) => tf.Scalar =
    o.loss === 'lgm' ? lgmHead(o, head, labels) : softmaxHead(o, head, labels);
  const varList = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...head];
  // The trainer's optimizer (src/train/optimizer.ts): SGD with momentum 0.9, no weight decay.
  const optimizer = new Optimizer(
    { ...BENCH_SGD },
    varList.map((variable, i) => ({ key: `p${i}`, variable, decay: false, lrScale: 1 })),
  );
  const flops = addFlops(
    countModelFlops(model, o.batch, true),
    countHeadFlops(o.loss === 'lgm' ? o.covariance : 'softmax', o.batch, o.featureDim, NUM_CLASSES, true),
  );
  // training: true, as the trainer does: batch norm on batch statistics with moving-average updates.
  const loss = () => lossFn(model.apply(images, { training: true }) as tf.Tensor2D);
  return {
    flops,
    phases: {
      forward: () => tf.tidy(() => void loss()),
      gradients() {
        const { value, grads } = releasingVariableGrads(loss, varList);
        value.dispose();
        return grads;
      },
      update: (grads) => optimizer.apply(grads, BENCH_LR),
    },
    run(withLoss) {
      const { value, grads } = releasingVariableGrads(loss, varList);
      optimizer.apply(grads, BENCH_LR);
      tf.dispose(Object.values(grads));
      const cost = withLoss ? value.dataSync()[0] : null;
      value.dispose();
      return cost;
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
      tf.dispose([images, labels, ...head]);
    },
  };
}

function lgmHead(o: TrainBenchOptions, head: tf.Variable[], labels: tf.Tensor1D) {
  const means = tf.variable(seededTensor([NUM_CLASSES, o.featureDim], o.seed + 3));
  head.push(means);
  let logVariances: tf.Variable | undefined;
  if (o.covariance !== 'identity') {
    logVariances = tf.variable(
      tf.zeros(o.covariance === 'isotropic' ? [NUM_CLASSES] : [NUM_CLASSES, o.featureDim]),
    );
    head.push(logVariances);
  }
  const params = { means: means as tf.Tensor2D, logVariances };
  const opts = resolveLgmOptions(
    WHERE,
    { covariance: o.covariance, alpha: 0.1, lambda: 0.01 },
    {
      exclude: ['learnPriors'],
    },
  );
  // Checked once here, on features of the shape the network gives; each step runs the unchecked loss.
  tf.tidy(() =>
    checkLgmInputs(WHERE, tf.zeros([o.batch, o.featureDim]) as tf.Tensor2D, labels, params, opts),
  );
  return (features: tf.Tensor2D) => reduceLoss(computeLgmLossPerSample(features, labels, params, opts)).loss;
}

function softmaxHead(o: TrainBenchOptions, head: tf.Variable[], labels: tf.Tensor1D) {
  const weights = tf.variable(
    seededTensor([o.featureDim, NUM_CLASSES], o.seed + 3, Math.sqrt(1 / o.featureDim)),
  );
  const bias = tf.variable(tf.zeros([NUM_CLASSES]));
  head.push(weights, bias);
  const oneHot = oneHotFloat(labels, NUM_CLASSES);
  head.push(tf.variable(oneHot, false)); // owned by the step, not trained
  oneHot.dispose();
  const targets = head[2];
  return (features: tf.Tensor2D) =>
    tf.losses.softmaxCrossEntropy(targets, tf.add(tf.matMul(features, weights), bias)) as tf.Scalar;
}

/**
 * Times `steps` training steps after `warmup` untimed ones. Besides speed it reports memory: the resident set
 * before the model is built, after warm-up, halfway through and at the end of the timed steps, and the process's
 * high-water mark (what a training run needs); with many steps, end minus halfway shows growth, if any.
 */
export function timeTraining(o: TrainBenchOptions): Record<string, number | null> {
  const rssBeforeModelMiB = rssMiB();
  const step = buildTrainStep(o);
  try {
    for (let i = 0; i < o.warmup; i++) step.run(false);
    const numTensorsBefore = tf.memory().numTensors;
    const rssAfterWarmupMiB = rssMiB();
    let rssHalfwayMiB = rssAfterWarmupMiB;
    let numTensorsHalfway = numTensorsBefore;
    const start = performance.now();
    let finalLoss: number | null = null;
    for (let i = 0; i < o.steps; i++) {
      finalLoss = step.run(i === o.steps - 1);
      if (i === Math.floor(o.steps / 2) - 1) {
        rssHalfwayMiB = rssMiB();
        numTensorsHalfway = tf.memory().numTensors;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const numTensorsAfter = tf.memory().numTensors;
    return {
      imagesPerSecond: (o.steps * o.batch) / seconds,
      msPerStep: (1000 * seconds) / o.steps,
      finalLoss,
      flopsPerStep: step.flops.total,
      forwardFlopsPerStep: step.flops.forward,
      numTensorsBefore,
      numTensorsHalfway,
      numTensorsAfter,
      rssBeforeModelMiB,
      rssAfterWarmupMiB,
      rssHalfwayMiB,
      rssEndMiB: rssMiB(),
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    step.dispose();
  }
}

const FLAGS = [
  { name: 'net', value: '<name>', help: `network: ${BENCH_NETS.join(' | ')} (default lenetpp)` },
  { name: 'loss', value: '<name>', help: 'lgm | softmax (default lgm)' },
  {
    name: 'covariance',
    value: '<name>',
    help: `L-GM covariance: ${COVARIANCES.join(' | ')} (default identity)`,
  },
  { name: 'batch', value: '<n>', help: 'images per step (default 64)' },
  { name: 'steps', value: '<n>', help: 'timed steps (default 20)' },
  { name: 'warmup', value: '<n>', help: 'untimed steps first (default 3)' },
  { name: 'feature-dim', value: '<n>', help: 'feature width (default 2 for lenetpp, 64 for the ResNets)' },
  ...MODEL_BENCH_FLAGS,
  NO_PEAK_FLAG,
  {
    name: 'profile',
    value: '<n>',
    help: 'after timing, profile n more steps per phase and kernel (tf.profile; default 0)',
  },
] as const satisfies readonly FlagDef[];

const USAGE = usageText({
  synopsis: ['lgm bench train [options]'],
  about: [
    'Times full training steps (forward, backward, optimizer update; batch norm in training mode) after warm-up;',
    "prints JSON with imagesPerSecond, msPerStep, the step's model FLOPs and achieved GFLOP/s against the machine's",
    'measured sgemm peak (fractionOfPeak; see lgm bench peak), memory (resident set before the model, after warm-up,',
    "halfway, at the end, and the process's peak) and tensor counts (before, halfway, after the timed steps).",
    '',
    'Options:',
  ],
  flags: FLAGS,
});

/** Parses the arguments after `lgm bench train`. */
export function parseTrainBenchArgs(
  argv: string[],
): TrainBenchOptions & { backend?: string; threads?: number; peak: boolean; profile: number } {
  const { values } = parseFlagTable(argv, FLAGS);
  const net = choiceFlag(WHERE, 'net', values.net, BENCH_NETS, 'lenetpp');
  return {
    net,
    loss: choiceFlag(WHERE, 'loss', values.loss, ['lgm', 'softmax'] as const, 'lgm'),
    covariance: choiceFlag(WHERE, 'covariance', values.covariance, COVARIANCES, 'identity'),
    batch: integerFlag(WHERE, 'batch', values.batch, 64, { min: 1 }),
    steps: integerFlag(WHERE, 'steps', values.steps, 20, { min: 1 }),
    warmup: integerFlag(WHERE, 'warmup', values.warmup, 3, { min: 0 }),
    // The paper's 2-D feature for LeNet++; ResNet-20's own 64-wide feature.
    featureDim: integerFlag(WHERE, 'feature-dim', values['feature-dim'], net === 'lenetpp' ? 2 : 64, {
      min: 1,
    }),
    seed: integerFlag(WHERE, 'seed', values.seed, 0, { min: -(2 ** 31) }),
    backend: values.backend,
    threads: integerFlag(WHERE, 'threads', values.threads, undefined, { min: 1 }),
    peak: values['no-peak'] !== true,
    profile: integerFlag(WHERE, 'profile', values.profile, 0, { min: 0 }),
  };
}

/** Profiles `steps` steps of a fresh step of the same settings, after its warm-up. */
async function profileOptions(o: TrainBenchOptions, steps: number) {
  const step = buildTrainStep(o);
  try {
    for (let i = 0; i < Math.max(1, o.warmup); i++) step.run(false);
    return await profileTrainStep(step.phases, steps);
  } finally {
    step.dispose();
  }
}

export const trainBenchmark: Benchmark = {
  name: 'train',
  summary: 'images/s of LeNet++ or ResNet-20 training steps (L-GM or softmax loss) on the selected backend',
  usage: USAGE,
  async run(argv) {
    const { backend, threads, peak, profile, ...options } = parseTrainBenchArgs(argv);
    await initBackend(backend, { threads });
    const info = backendInfo();
    const result = timeTraining(options);
    // After the timed steps, so that peakRssMiB is the training's alone.
    const sgemm = peak ? measurePeak() : null;
    return {
      benchmark: 'train',
      ...options,
      backend: info.name,
      threads: info.threads,
      native: info.native,
      ...result,
      ...achieved(result.flopsPerStep as number, result.msPerStep as number, sgemm),
      peak: sgemm,
      ...(profile > 0 ? { profile: await profileOptions(options, profile) } : {}),
    };
  },
};
