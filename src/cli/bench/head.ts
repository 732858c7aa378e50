import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend/index.js';
import { checkLgmInputs, computeLgmLossPerSample } from '../../losses/lgm.js';
import { resolveLgmOptions } from '../../losses/lgm-options.js';
import { reduceLoss } from '../../losses/reduce.js';
import { COVARIANCE_KINDS, CovarianceKind } from '../../gm/params.js';
import { BACKEND_FLAG, type FlagDef, integerFlag, parseFlagTable, usageText } from '../flags.js';
import '../../util/tf-gradients.js';
import { type Benchmark, NO_PEAK_FLAG, round3 } from './benchmark.js';
import { countHeadFlops, type HeadKind } from './flops.js';
import { achieved, measurePeak, type PeakResult } from './peak.js';

interface Shape {
  n: number;
  d: number;
  k: number;
}

/**
 * Median wall time (ms) of each function over `repeats` rounds after `warmup` rounds. Each round runs every
 * function once, interleaved, so that a change in machine load shifts all of them alike and the ratios hold.
 * Each function must read its result back.
 */
function timeInterleaved(fns: (() => void)[], warmup: number, repeats: number): number[] {
  for (let i = 0; i < warmup; i++) fns.forEach((fn) => fn());
  const times = fns.map((): number[] => []);
  for (let i = 0; i < repeats; i++) {
    fns.forEach((fn, j) => {
      const start = performance.now();
      fn();
      times[j].push(performance.now() - start);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/**
 * Forward + backward of the L-GM loss w.r.t. features, means and log-variances. The inputs are checked once
 * here; the timed closure runs the unchecked loss (no host reads but the gradients').
 */
function lgmStep(
  x: tf.Tensor2D,
  y: tf.Tensor1D,
  means: tf.Tensor2D,
  logVar: tf.Tensor | null,
  kind: CovarianceKind,
) {
  const where = 'bench head';
  const opts = resolveLgmOptions(
    where,
    { covariance: kind, alpha: 0.1, lambda: 0.1 },
    { exclude: ['learnPriors'] },
  );
  checkLgmInputs(where, x, y, { means, logVariances: logVar ?? undefined }, opts);
  return () =>
    tf.tidy(() => {
      const inputs = logVar === null ? [x, means] : [x, means, logVar];
      const grads = tf.grads(
        (...args: tf.Tensor[]) =>
          reduceLoss(
            computeLgmLossPerSample(
              args[0] as tf.Tensor2D,
              y,
              { means: args[1] as tf.Tensor2D, logVariances: args[2] },
              opts,
            ),
          ).loss,
      )(inputs);
      grads.forEach((g) => g.dataSync());
    });
}

/** Forward + backward of a dense layer (W, b) + softmax cross-entropy: the baseline head. */
function denseStep(x: tf.Tensor2D, oneHot: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) {
  return () =>
    tf.tidy(() => {
      const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(oneHot, tf.add(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), bs)),
      )([x, w, b]);
      grads.forEach((g) => g.dataSync());
    });
}

/** Model FLOPs and achieved rate of one head's forward + backward at `ms` per call. */
function rate(kind: HeadKind, shape: Shape, ms: number, peak: PeakResult | null) {
  const flops = countHeadFlops(kind, shape.n, shape.d, shape.k, true).total;
  return { flops, ...achieved(flops, ms, peak) };
}

/** Runs the comparison on the current backend; rates are given against `peak` when there is one. */
export function benchHead(shape: Shape, repeats: number, peak: PeakResult | null = null) {
  const { n, d, k } = shape;
  const times = tf.tidy(() => {
    const x = tf.randomNormal([n, d], 0, 1, 'float32', 1) as tf.Tensor2D;
    const y = tf.randomUniform([n], 0, k, 'int32', 2) as tf.Tensor1D;
    const means = tf.randomNormal([k, d], 0, 1, 'float32', 3) as tf.Tensor2D;
    const w = tf.randomNormal([d, k], 0, 0.05, 'float32', 4) as tf.Tensor2D;
    const b = tf.zeros([k]) as tf.Tensor1D;
    const logVars = COVARIANCE_KINDS.map((kind) =>
      kind === 'identity' ? null : kind === 'isotropic' ? tf.zeros([k]) : tf.zeros([k, d]),
    );
    return timeInterleaved(
      [
        denseStep(x, tf.oneHot(y, k) as tf.Tensor2D, w, b),
        ...COVARIANCE_KINDS.map((kind, i) => lgmStep(x, y, means, logVars[i], kind)),
      ],
      2,
      repeats,
    );
  });
  const [denseMs, ...lgmMs] = times;
  const perCovariance: Record<string, { ms: number; ratio: number } & ReturnType<typeof rate>> = {};
  COVARIANCE_KINDS.forEach((kind, i) => {
    perCovariance[kind] = {
      ms: round3(lgmMs[i]),
      ratio: round3(lgmMs[i] / denseMs),
      ...rate(kind, shape, lgmMs[i], peak),
    };
  });
  return { denseMs: round3(denseMs), dense: rate('softmax', shape, denseMs, peak), perCovariance };
}

const FLAGS = [
  { name: 'n', value: '<n>', help: 'batch size (default 256)' },
  { name: 'd', value: '<d>', help: 'feature width (default 512)' },
  { name: 'k', value: '<k>', help: 'classes (default 1000)' },
  { name: 'repeats', value: '<n>', help: 'timed rounds; the median is reported (default 5)' },
  BACKEND_FLAG,
  NO_PEAK_FLAG,
] as const satisfies readonly FlagDef[];

export const headBenchmark: Benchmark = {
  name: 'head',
  summary: 'forward+backward ms of the L-GM head vs a dense layer + softmax cross-entropy',
  usage: usageText({
    synopsis: ['lgm bench head [options]'],
    about: [
      'Prints lgmMs / denseMs / ratio for the diagonal covariance (the costliest kind), and every kind under',
      'perCovariance, each with its model FLOPs (the products; src/cli/bench/flops.ts), achieved GFLOP/s and the',
      "fraction of the machine's measured sgemm peak (lgm bench peak; --no-peak skips it). Target: ratio <= 2.",
    ],
    flags: FLAGS,
  }),
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    const int = (flag: 'n' | 'd' | 'k' | 'repeats', fallback: number) =>
      integerFlag('bench head', flag, values[flag], fallback, { min: 1 });
    const shape = { n: int('n', 256), d: int('d', 512), k: int('k', 1000) };
    const repeats = int('repeats', 5);
    const backend = await initBackend(values.backend);
    const peak = values['no-peak'] === true ? null : measurePeak();
    const { denseMs, dense, perCovariance } = benchHead(shape, repeats, peak);
    const primary = perCovariance.diagonal;
    return {
      benchmark: 'head',
      backend,
      ...shape,
      repeats,
      covariance: 'diagonal',
      lgmMs: primary.ms,
      denseMs,
      ratio: primary.ratio,
      gflopsPerSecond: primary.gflopsPerSecond,
      fractionOfPeak: primary.fractionOfPeak,
      dense,
      perCovariance,
      peak,
    };
  },
};
