import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeSkip } from './compare.js';

// oneDNN's NHWC and blocked variants of a convolution compute the same numbers on most geometries but not on
// all: a 1x1 filter gradient and some strided data gradients run other algorithms on the blocked layouts. The
// addon times the two on a geometry's first call (native/src/conv_tune.cc); where they differ it must keep NHWC
// whatever the timing says, so that a run's numbers never depend on the load of the moment. LGM_CONV_LAYOUT is
// read once per process, so each layout runs in a child process.
const skip = nativeSkip();
const here = (path: string) => new URL(path, import.meta.url).href;

// [batch, height, width, in, out, filter, stride, padding]: two geometries whose variants differ (the filter
// gradient of a 1x1 convolution; the data gradient of a strided 3x3 one without padding) and one whose do not.
const GEOMETRIES = [
  [4, 16, 16, 8, 8, 1, 1, 'same'],
  [4, 12, 12, 32, 16, 3, 2, 'valid'],
  [4, 16, 16, 8, 16, 3, 1, 'same'],
] as const;

// Prints, per geometry, SHA-256 prefixes of [forward, dx, dfilter] on the cpu backend with the native kernels,
// and the addon's count of geometries kept on NHWC.
const script = `
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
await import(${JSON.stringify(here('../../src/backend/index.js'))});
await import(${JSON.stringify(here('../../src/util/tf-gradients.js'))});
const { loadAddon, registerNativeKernels } = await import(${JSON.stringify(here('../../src/native/index.js'))});
const { randn } = await import(${JSON.stringify(here('./compare.js'))});
await tf.setBackend('cpu');
if (!registerNativeKernels('cpu')) throw new Error('native kernels not registered');
const hash = (t) => { const d = t.dataSync(); return createHash('sha256').update(Buffer.from(d.buffer, d.byteOffset, d.byteLength)).digest('hex').slice(0, 16); };
const hashes = ${JSON.stringify(GEOMETRIES)}.map(([n, h, w, c, k, r, s, pad], i) => tf.tidy(() => {
  const x = tf.tensor4d(randn(n * h * w * c, i), [n, h, w, c]);
  const f = tf.tensor4d(randn(r * r * c * k, 10 + i), [r, r, c, k]);
  const y = tf.conv2d(x, f, s, pad);
  const up = tf.tensor(randn(y.size, 20 + i), y.shape);
  const [dx, df] = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, s, pad), up)))([x, f]);
  return [hash(y), hash(dx), hash(df)];
}));
console.log(JSON.stringify({ hashes, mismatches: loadAddon().addon.convTuneMismatches(), tensors: tf.memory().numTensors }));
`;

function runChild(layout: string | undefined): { hashes: string[][]; mismatches: number; tensors: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '2' };
  if (layout === undefined) delete env.LGM_CONV_LAYOUT;
  else env.LGM_CONV_LAYOUT = layout;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`.slice(-3000));
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ReturnType<typeof runChild>;
}

test(
  'where the NHWC and blocked convolutions compute different numbers, the default keeps NHWC without timing',
  { skip },
  () => {
    const nhwc = runChild('nhwc');
    const blocked = runChild('blocked');
    const unset = runChild(undefined);
    // The geometries do what the test needs: the first two differ between the variants in one output, the third in
    // none, so the assertions below can fail.
    assert.notEqual(blocked.hashes[0][2], nhwc.hashes[0][2], '1x1 filter gradient');
    assert.notEqual(blocked.hashes[1][1], nhwc.hashes[1][1], 'strided data gradient');
    assert.deepEqual(blocked.hashes[2], nhwc.hashes[2]);
    // By default every output equals NHWC's, and exactly those two convolutions were kept on NHWC.
    assert.deepEqual(unset.hashes, nhwc.hashes);
    assert.equal(unset.mismatches, 2);
    assert.equal(nhwc.mismatches, 0);
    assert.equal(unset.tensors, 0);
  },
);
