import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, seededNormal } from '../../src/util/random.js';
import type { Kind, RefParams } from './reference.js';

/** A seeded mixture problem, with values already rounded to float32 so that float64 references see the same data. */
export interface Problem {
  x: number[][];
  y: number[];
  params: RefParams;
  kind: Kind;
}

export interface ProblemSpec {
  n: number;
  k: number;
  d: number;
  kind: Kind;
  seed: number;
  /** Every coordinate is shifted by this much (the far-from-origin case). */
  offset?: number;
  /** Spread of the means around the offset. */
  meanSpread?: number;
  /** Spread of each feature around its class mean. */
  featureSpread?: number;
  /** Fraction of labels replaced by another class (misclassified, large-loss samples). */
  flipFraction?: number;
  /** Include log-priors. */
  priors?: boolean;
}

export function makeProblem(spec: ProblemSpec): Problem {
  const { n, k, d, kind, seed, offset = 0, meanSpread = 2, featureSpread = 1, flipFraction = 0 } = spec;
  const rand = mulberry32(seed);
  const normal = seededNormal(rand);
  const f = Math.fround;
  const means = Array.from({ length: k }, () =>
    Array.from({ length: d }, () => f(offset + meanSpread * normal())),
  );
  const truth = Array.from({ length: n }, (_, i) => i % k);
  const x = truth.map((c) => means[c].map((m) => f(m + featureSpread * normal())));
  const y = truth.map((c) => (rand() < flipFraction ? (c + 1) % k : c));
  const params: RefParams = { means };
  if (kind === 'isotropic') params.logVariances = Array.from({ length: k }, () => f(0.4 * normal()));
  if (kind === 'diagonal') {
    params.logVariances = Array.from({ length: k }, () => Array.from({ length: d }, () => f(0.4 * normal())));
  }
  if (spec.priors ?? false) params.logPriors = Array.from({ length: k }, () => f(0.5 * normal()));
  return { x, y, params, kind };
}

/** The problem as tensors (caller disposes). */
export function problemTensors(p: Problem) {
  return {
    features: tf.tensor2d(p.x),
    labels: tf.tensor1d(p.y, 'int32'),
    means: tf.tensor2d(p.params.means),
    logVariances: p.params.logVariances === undefined ? undefined : tf.tensor(p.params.logVariances),
    logPriors: p.params.logPriors === undefined ? undefined : tf.tensor1d(p.params.logPriors),
  };
}

/** Norm-relative closeness: max|a-b| <= rtol * max|b| + atol. */
export function assertClose(
  actual: number | number[] | number[][],
  expected: number | number[] | number[][],
  rtol: number,
  what: string,
  atol = 1e-6,
): void {
  const a = [actual].flat(2) as number[];
  const b = [expected].flat(2) as number[];
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} vs ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (!(err <= rtol * scale + atol)) {
    throw new Error(
      `${what}: max error ${err.toExponential(3)} exceeds ${rtol} * ${scale.toExponential(3)} + ${atol}`,
    );
  }
}
