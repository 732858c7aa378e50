/** Test helper: runs the same function on wasm and cpu and compares values and gradients. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { mulberry32 } from '../../src/util/random.js';

/** Starts wasm (single-threaded here: the threaded start is tested in a child process) and cpu. */
export async function initBoth(): Promise<void> {
  await initBackend('cpu', { native: false });
  await initBackend('wasm', { threads: 1, native: false });
}

/** Uniform values in [lo, hi) from a seed. */
export function randomValues(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
}

type Inputs = { shape: number[]; values: Float32Array }[];

/** Value and gradients of f at the inputs on one backend, as plain arrays; checks nothing leaks there. */
function valueAndGrads(backend: string, f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: Inputs) {
  tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const result = tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.values, x.shape));
    const { value, grads } = tf.valueAndGrads(f)(xs);
    return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync()) };
  });
  assert.equal(tf.memory().numTensors, tensors, `${backend}: tensors leaked`);
  assert.equal(tf.backend().numDataIds(), dataIds, `${backend}: backend data leaked`);
  return result;
}

/** Largest |a - b| relative to the largest |b| (floored at 1). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let err = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(err) ? Infinity : err / scale;
}

/**
 * Asserts that f (a scalar function of tensors of the given shapes) has the same value and gradients on wasm
 * and cpu at seeded random inputs (values in [lo, hi)), within `tolerance` relative to the largest value.
 */
export function assertSameGradients(
  name: string,
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  shapes: number[][],
  { seed = 1, lo = -1, hi = 1, tolerance = 1e-5 } = {},
): void {
  const inputs = shapes.map((shape, i) => ({
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed + i,
      lo,
      hi,
    ),
  }));
  const wasm = valueAndGrads('wasm', f, inputs);
  const cpu = valueAndGrads('cpu', f, inputs);
  assert.ok(
    relativeError([wasm.value], [cpu.value]) <= tolerance,
    `${name}: value ${wasm.value} vs ${cpu.value}`,
  );
  cpu.grads.forEach((g, i) => {
    const err = relativeError(wasm.grads[i], g);
    assert.ok(err <= tolerance, `${name}: gradient ${i} differs from cpu by ${err} (relative)`);
  });
}

/** A fixed seeded weighting so that every output element gets its own gradient (sum alone is too symmetric). */
export function weightedSum(y: tf.Tensor, seed = 99): tf.Scalar {
  return tf.sum(tf.mul(y, tf.tensor(randomValues(y.size, seed), y.shape)));
}
