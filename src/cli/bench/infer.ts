/**
 * `lgm bench infer`: inference throughput, where detection and attacks spend their time. Forward passes of
 * LeNet++ or a CIFAR ResNet (batch norm in inference mode) on a fixed seeded batch, then every detector's score
 * of the batch's features. Two figures: `forward` (features, the L-GM logits and predicted classes, read back:
 * what bench/pytorch/train-speed.py --mode infer does) and `withDetectors` (that plus every detector's score).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { backendInfo, initBackend } from '../../backend/index.js';
import { buildNetwork } from '../../nets/registry.js';
import { computeMixtureLogits } from '../../gm/density.js';
import { checkMixtureInputs, resolveMixtureOptions } from '../../gm/mixture.js';
import { DETECTOR_NAMES, createDetector, type DetectorName } from '../../detect/registry.js';
import type { Detector } from '../../detect/detector.js';
import { mulberry32, seededNormal } from '../../util/random.js';
import { type FlagDef, choiceFlag, integerFlag, parseFlagTable, usageText } from '../flags.js';
import { type Benchmark, MODEL_BENCH_FLAGS, NO_PEAK_FLAG, round3 } from './benchmark.js';
import { addFlops, countHeadFlops, countModelFlops } from './flops.js';
import { achieved, measurePeak } from './peak.js';
import { peakRssMiB, rssMiB } from './memory.js';
import { profileForward } from './profile.js';

const WHERE = 'bench infer';
const NUM_CLASSES = 10;
const NETS = ['lenetpp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'] as const;

/** Settings of one run. */
export interface InferBenchOptions {
  net: (typeof NETS)[number];
  /** Images per forward pass. */
  batch: number;
  /** Timed passes (each: forward, then every detector). */
  steps: number;
  warmup: number;
  /** Feature width D. */
  featureDim: number;
  /** Labelled feature vectors the detectors are fitted on (KDE's cost grows with it). */
  fit: number;
  seed: number;
}

function seeded(shape: number[], seed: number): tf.Tensor {
  const normal = seededNormal(mulberry32(seed));
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal()),
    shape,
  );
}

/** Times the forward pass and each detector, interleaved within every step so that load hits all alike. */
export function timeInference(o: InferBenchOptions) {
  const inputShape = o.net === 'lenetpp' ? [28, 28, 1] : [32, 32, 3];
  const model = buildNetwork(o.net, { featureDim: o.featureDim, inputShape, seed: o.seed });
  const means = seeded([NUM_CLASSES, o.featureDim], o.seed + 3) as tf.Tensor2D;
  const mixture = { means };
  const mixtureFile = { covariance: 'identity' as const, params: mixture, dispose: () => undefined };
  const images = seeded([o.batch, ...inputShape], o.seed + 1);
  const features = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor2D;
  // The mixture is checked once here; the timed loop runs the unchecked logits (no host reads).
  const mixtureOptions = resolveMixtureOptions(WHERE, { covariance: 'identity' });
  tf.tidy(() =>
    checkMixtureInputs(WHERE, tf.zeros([1, o.featureDim]) as tf.Tensor2D, mixture, mixtureOptions),
  );
  const logits = (z: tf.Tensor2D) => tf.tidy(() => computeMixtureLogits(z, mixture, mixtureOptions));
  const detectors = new Map<DetectorName, Detector>();
  try {
    // Fit every detector on the features of seeded images with random labels, in batches of the bench's size.
    const rand = mulberry32(o.seed + 2);
    const labels = tf.tensor1d(
      Array.from({ length: o.fit }, (_, i) => (i < NUM_CLASSES ? i : Math.floor(rand() * NUM_CLASSES))),
      'int32',
    );
    const fitFeatures = tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      for (let start = 0; start < o.fit; start += o.batch) {
        const size = Math.min(o.batch, o.fit - start);
        parts.push(features(seeded([size, ...inputShape], o.seed + 10 + start)));
      }
      return tf.concat(parts, 0) as tf.Tensor2D;
    });
    for (const name of DETECTOR_NAMES) {
      const detector = createDetector(name, { classifier: { logits }, mixture: mixtureFile, where: WHERE });
      detectors.set(name, detector);
      detector.fitFeatures(fitFeatures, labels);
    }
    tf.dispose([fitFeatures, labels]);

    const ms: Record<string, number> = { forward: 0 };
    for (const name of DETECTOR_NAMES) ms[name] = 0;
    const numTensorsBefore = tf.memory().numTensors;
    for (let step = 0; step < o.warmup + o.steps; step++) {
      const timed = step >= o.warmup;
      let start = performance.now();
      const z = tf.tidy(() => features(images));
      tf.tidy(() => tf.argMax(logits(z), 1).dataSync());
      if (timed) ms.forward += performance.now() - start;
      for (const [name, detector] of detectors) {
        start = performance.now();
        detector.scoreFeatures(z);
        if (timed) ms[name] += performance.now() - start;
      }
      z.dispose();
    }
    const numTensorsAfter = tf.memory().numTensors;
    const images_ = o.steps * o.batch;
    const totalMs = Object.values(ms).reduce((a, b) => a + b, 0);
    const flops = addFlops(
      countModelFlops(model, o.batch, false),
      countHeadFlops('identity', o.batch, o.featureDim, NUM_CLASSES, false),
    );
    return {
      imagesPerSecond: round3((1000 * images_) / ms.forward),
      msPerBatch: round3(ms.forward / o.steps),
      withDetectorsImagesPerSecond: round3((1000 * images_) / totalMs),
      detectorMsPerBatch: Object.fromEntries(DETECTOR_NAMES.map((n) => [n, round3(ms[n] / o.steps)])),
      flopsPerBatch: flops.total,
      numTensorsBefore,
      numTensorsAfter,
    };
  } finally {
    for (const d of detectors.values()) d.dispose();
    model.dispose();
    tf.dispose([means, images]);
  }
}

/**
 * tf.profile of `passes` forward passes as timed above (features, L-GM logits, predicted classes read back),
 * after `o.warmup` untimed ones: kernel ms per pass by kernel and shape tag.
 */
export async function profileInference(o: InferBenchOptions, passes: number) {
  const inputShape = o.net === 'lenetpp' ? [28, 28, 1] : [32, 32, 3];
  const model = buildNetwork(o.net, { featureDim: o.featureDim, inputShape, seed: o.seed });
  const means = seeded([NUM_CLASSES, o.featureDim], o.seed + 3) as tf.Tensor2D;
  const images = seeded([o.batch, ...inputShape], o.seed + 1);
  const mixtureOptions = resolveMixtureOptions(WHERE, { covariance: 'identity' });
  const pass = () =>
    tf.tidy(() => {
      const z = model.apply(images, { training: false }) as tf.Tensor2D;
      tf.argMax(computeMixtureLogits(z, { means }, mixtureOptions), 1).dataSync();
    });
  try {
    for (let i = 0; i < o.warmup; i++) pass();
    return await profileForward(pass, passes);
  } finally {
    model.dispose();
    tf.dispose([means, images]);
  }
}

const FLAGS = [
  { name: 'net', value: '<name>', help: `${NETS.join(' | ')} (default lenetpp)` },
  { name: 'batch', value: '<n>', help: 'images per pass (default 256)' },
  { name: 'steps', value: '<n>', help: 'timed passes (default 10)' },
  { name: 'warmup', value: '<n>', help: 'untimed passes first (default 2)' },
  { name: 'feature-dim', value: '<n>', help: 'feature width (default 2 for lenetpp, 64 for the ResNets)' },
  { name: 'fit', value: '<n>', help: 'feature vectors the detectors are fitted on (default 1000)' },
  ...MODEL_BENCH_FLAGS,
  NO_PEAK_FLAG,
  {
    name: 'profile',
    value: '<n>',
    help: 'after timing, profile n more forward passes per kernel (tf.profile; default 0)',
  },
] as const satisfies readonly FlagDef[];

const USAGE = usageText({
  synopsis: ['lgm bench infer [options]'],
  about: [
    `Forward passes (batch norm in inference mode) and every detector's score (${DETECTOR_NAMES.join(', ')}) of`,
    'one seeded batch; the detectors are fitted first on --fit feature vectors with random labels (an identity-',
    'covariance mixture with seeded means for lgm-class and lgm-mixture). Prints imagesPerSecond of the forward pass',
    '(features + L-GM logits + predicted class, read back: what bench/pytorch/train-speed.py --mode infer times),',
    "withDetectorsImagesPerSecond, each detector's ms per batch, the forward's model FLOPs, GFLOP/s and fraction of",
    'the measured sgemm peak, and memory.',
    '',
    'Options:',
  ],
  flags: FLAGS,
});

export const inferBenchmark: Benchmark = {
  name: 'infer',
  summary: 'images/s of forward passes (features + L-GM logits) and of every detector score, batch 256',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    const net = choiceFlag(WHERE, 'net', values.net, NETS, 'lenetpp');
    const options: InferBenchOptions = {
      net,
      batch: integerFlag(WHERE, 'batch', values.batch, 256, { min: 1 }),
      steps: integerFlag(WHERE, 'steps', values.steps, 10, { min: 1 }),
      warmup: integerFlag(WHERE, 'warmup', values.warmup, 2, { min: 0 }),
      featureDim: integerFlag(WHERE, 'feature-dim', values['feature-dim'], net === 'lenetpp' ? 2 : 64, {
        min: 1,
      }),
      fit: integerFlag(WHERE, 'fit', values.fit, 1000, { min: NUM_CLASSES }),
      seed: integerFlag(WHERE, 'seed', values.seed, 0, { min: -(2 ** 31) }),
    };
    const threads = integerFlag(WHERE, 'threads', values.threads, undefined, { min: 1 });
    const profile = integerFlag(WHERE, 'profile', values.profile, 0, { min: 0 });
    await initBackend(values.backend, { threads });
    const info = backendInfo();
    const rssBeforeModelMiB = rssMiB();
    const result = timeInference(options);
    const memory = { rssBeforeModelMiB, rssEndMiB: rssMiB(), peakRssMiB: peakRssMiB() };
    const peak = values['no-peak'] === true ? null : measurePeak();
    return {
      benchmark: 'infer',
      ...options,
      backend: info.name,
      threads: info.threads,
      native: info.native,
      ...result,
      ...achieved(result.flopsPerBatch, result.msPerBatch, peak),
      ...memory,
      peak,
      ...(profile > 0 ? { profile: await profileInference(options, profile) } : {}),
    };
  },
};
