import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import '../../src/backend/index.js';
import '../../src/util/tf-gradients.js';
import {
  loadAddon,
  nativeKernelCalls,
  registerNativeKernels,
  unregisterNativeKernels,
} from '../../src/native/index.js';
import { mulberry32, seededNormal } from '../../src/util/random.js';

/** Skip reason for native-only tests: null when the addon is loaded. */
export function nativeSkip(): string | false {
  const { reason } = loadAddon();
  return reason === null ? false : `native addon unavailable: ${reason}`;
}

/** Seeded standard-normal values. */
export function randn(size: number, seed: number): Float32Array {
  const next = seededNormal(mulberry32(seed));
  return Float32Array.from({ length: size }, next);
}

/** Weighted sum of outputs, so every output element gets a distinct upstream gradient. */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, tf.tensor(randn(y.size, seed), y.shape)));
}

/**
 * The gradients [dx, dfilter, dbias] of weightedSum(fused conv2d of x with filter + bias, no activation): one
 * forward and the three backward kernels (Conv2DBackpropInput, Conv2DBackpropFilter, the bias' Sum).
 */
export function fusedConvGrads(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  strides: number,
  pad: 'same' | 'valid' | number,
  seed: number,
): tf.Tensor[] {
  const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
    weightedSum(
      tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides, pad, bias: bb }),
      seed,
    ),
  );
  return grads([x, filter, bias]);
}

/** A seeded integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * Runs `fn` on `backend`, with the native kernels registered there or not, and returns its outputs' values.
 * Checks that `fn` leaves no tensor behind.
 */
export async function runOn(
  backend: string,
  native: boolean,
  fn: () => tf.Tensor[],
): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  if (native) assert.ok(registerNativeKernels(backend));
  else unregisterNativeKernels(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  unregisterNativeKernels(backend);
  return values;
}

/** Asserts |a - b| <= atol + rtol * max|b| elementwise, naming the output and the worst element. */
export function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  what: string,
  rtol = 1e-4,
  atol = 1e-4,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(
    worst <= atol + rtol * scale,
    `${what}: max error ${worst} at ${at} (got ${actual[at]}, want ${expected[at]}, scale ${scale})`,
  );
}

/**
 * Compares `fn` with native kernels on `backend` against the cpu backend's own kernels (the reference), and
 * checks that each kernel named in `ranNatively` was served by the addon at least once (so the comparison is not
 * vacuously between two runs of the same backend kernel).
 */
export async function agreesWithCpu(
  backend: string,
  what: string,
  fn: () => tf.Tensor[],
  ranNatively: string[],
  rtol = 1e-4,
) {
  const expected = await runOn('cpu', false, fn);
  nativeKernelCalls(true);
  const actual = await runOn(backend, true, fn);
  const calls = nativeKernelCalls(true);
  for (const name of ranNatively) {
    assert.ok((calls[name]?.native ?? 0) > 0, `${what} [${backend}]: ${name} did not run natively`);
  }
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assertClose(a, expected[i]!, `${what} [${backend}] output ${i}`, rtol));
}
