import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeSkip } from './compare.js';

// Regression: oneDNN 2.6's backward-weights primitive for an unpadded 1x1 convolution with stride > 1 corrupted
// the heap (glibc aborted with "free(): invalid next size" on one thread) and gave wrong filter gradients on two.
// Each case runs in its own process with a fixed OpenMP thread count, so a corrupted heap shows as a crash.
const here = (path: string) => new URL(path, import.meta.url).href;

const child = `
import * as tf from '@tensorflow/tfjs-core';
await import(${JSON.stringify(here('../../src/backend/index.js'))});
const { registerNativeKernels, unregisterNativeKernels } = await import(${JSON.stringify(here('../../src/native/index.js'))});
const { mulberry32, seededNormal } = await import(${JSON.stringify(here('../../src/util/random.js'))});
await tf.setBackend('cpu');
const randn = (n, seed) => Float32Array.from({ length: n }, seededNormal(mulberry32(seed)));
const worst = {};
for (const [shape, outC, stride, pad] of [
  [[3, 8, 8, 4], 8, 2, 'same'],
  [[3, 4, 6, 1], 11, 2, 'valid'],
  [[2, 9, 7, 16], 32, 3, 'valid'],
  [[2, 8, 8, 4], 8, 2, 1],
]) {
  const xv = randn(shape.reduce((a, b) => a * b), 1);
  const fv = randn(shape[3] * outC, 2);
  const grad = (native) => {
    if (native) registerNativeKernels('cpu'); else unregisterNativeKernels('cpu');
    return tf.tidy(() => {
      const x = tf.tensor4d(xv, shape);
      const f = tf.tensor4d(fv, [1, 1, shape[3], outC]);
      const y = tf.conv2d(x, f, stride, pad);
      const dy = tf.tensor(randn(y.size, 3), y.shape);
      return tf.grads((xx, ff) => tf.sum(tf.mul(tf.conv2d(xx, ff, stride, pad), dy)))([x, f]).map((g) => g.dataSync());
    });
  };
  const want = grad(false);
  let err = 0;
  for (let repeat = 0; repeat < 10; repeat++) {
    const got = grad(true);
    got.forEach((g, i) => g.forEach((v, j) => { err = Math.max(err, Math.abs(v - want[i][j])); }));
  }
  worst[JSON.stringify([shape, outC, stride, pad])] = err;
}
unregisterNativeKernels('cpu');
console.log(JSON.stringify(worst));
`;

for (const threads of ['1', '2']) {
  test(
    `strided 1x1 convolution gradients on ${threads} OpenMP thread(s): no heap corruption, equal to cpu`,
    {
      skip: nativeSkip(),
    },
    () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: threads, LGM_NATIVE: '1' },
      });
      assert.equal(
        r.status,
        0,
        `child exited with ${r.status} (${r.signal ?? 'no signal'}): ${r.stderr.slice(-400)}`,
      );
      const worst = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
      assert.equal(Object.keys(worst).length, 4);
      for (const [c, err] of Object.entries(worst)) assert.ok(err < 1e-4, `${c}: max error ${err}`);
    },
  );
}
