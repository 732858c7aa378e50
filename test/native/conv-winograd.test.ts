import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend/index.js';
import { loadAddon, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { buildNetwork } from '../../src/nets/registry.js';
import { agreesWithCpu, nativeSkip, randn } from './compare.js';

// The addon's Winograd variant of 3x3, stride-1, pad-1 convolutions (native/src/winograd.cc) runs only where a
// geometry's first call timed it fastest, so these tests force it: LGM_CONV_LAYOUT is read once per process, and
// the test below runs this file again in a child process with LGM_CONV_LAYOUT=winograd, where the comparisons
// run. Each comparison also checks, through the addon's counter, that the Winograd kernel did the work.
const forced = process.env.LGM_CONV_LAYOUT === 'winograd';
const skip = nativeSkip();

/** Times the addon's Winograd kernel has run in this process. */
function winogradCalls(): number {
  const addon = loadAddon().addon as unknown as { convWinogradCalls: () => number };
  return addon.convWinogradCalls();
}

/** Weighted sum of outputs, so every output element gets a distinct upstream gradient. */
const weightedSum = (y: tf.Tensor, seed: number) =>
  tf.sum(tf.mul(y, tf.tensor(randn(y.size, seed), y.shape)));

// [batch, height, width, in channels, out channels]: the ResNets' three geometries (at a small batch, which
// changes only the number of tiles), then odd sizes (partial tiles) and channel counts not a multiple of 8.
const SHAPES = [
  [4, 32, 32, 16, 16],
  [4, 16, 16, 32, 32],
  [4, 8, 8, 64, 64],
  [2, 7, 9, 5, 3],
  [3, 13, 6, 12, 20],
  [1, 5, 5, 9, 17],
  [2, 1, 3, 1, 1],
] as const;

if (!forced) {
  test('Winograd convolutions agree with the cpu backend (LGM_CONV_LAYOUT=winograd)', { skip }, () => {
    // Without NODE_TEST_CONTEXT, which makes a nested `node --test` skip its files.
    const env: NodeJS.ProcessEnv = { ...process.env, LGM_CONV_LAYOUT: 'winograd' };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], {
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output.slice(-3000));
    const passed = Number(/# pass (\d+)/.exec(output)?.[1] ?? 0);
    assert.equal(passed, SHAPES.length + 1, `every shape's comparison must run: ${output.slice(-500)}`);
  });
} else {
  describe('Winograd 3x3 convolutions (forced) agree with the cpu backend', { skip }, () => {
    SHAPES.forEach(([n, h, w, c, k], i) => {
      test(`x [${n},${h},${w},${c}], filter [3,3,${c},${k}]: forward, fused bias + relu, gradients`, async () => {
        const xv = randn(n * h * w * c, 10 + i);
        const fv = randn(9 * c * k, 20 + i).map((v) => v / Math.sqrt(9 * c));
        const bv = randn(k, 30 + i);
        const make = () =>
          [tf.tensor4d(xv, [n, h, w, c]), tf.tensor4d(fv, [3, 3, c, k]), tf.tensor1d(bv)] as const;
        const before = winogradCalls();
        await agreesWithCpu(
          'cpu',
          `winograd forward ${i}`,
          () => {
            const [x, f, b] = make();
            const plain = tf.conv2d(x, f, 1, 'same');
            const fused = tf.fused.conv2d({ x, filter: f, strides: 1, pad: 1, bias: b, activation: 'relu' });
            return [plain, fused];
          },
          ['Conv2D', 'FusedConv2D'],
        );
        assert.equal(winogradCalls() - before, 2, 'the forward convolutions must run on the Winograd kernel');
        const beforeGrads = winogradCalls();
        await agreesWithCpu(
          'cpu',
          `winograd gradients ${i}`,
          () => {
            const [x, f, b] = make();
            const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
              weightedSum(
                tf.fused.conv2d({
                  x: xx as tf.Tensor4D,
                  filter: ff as tf.Tensor4D,
                  strides: 1,
                  pad: 'same',
                  bias: bb,
                }),
                40 + i,
              ),
            );
            return grads([x, f, b]);
          },
          ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
        );
        // The forward and the backward-data ran on it; the filter gradient stays with oneDNN.
        assert.equal(
          winogradCalls() - beforeGrads,
          2,
          'forward and backward-data must run on the Winograd kernel',
        );
      });
    });
  });

  // As test/native/batchnorm.test.ts checks the native kernels as a whole: 200 momentum-SGD steps of ResNet-20 (8x8
  // inputs, batch 4, softmax; every 3x3 stride-1 convolution and its backward-data on the Winograd kernel) against
  // wasm alone. The largest relative deviation is printed as a diagnostic (docs/native.md compares it with the
  // direct convolutions').
  test(
    'ResNet-20: a 200-step loss curve on the Winograd kernel agrees with wasm alone to 1e-4',
    { skip },
    async (t) => {
      const before = winogradCalls();
      const withWinograd = await resnetLosses(true, 200);
      assert.ok(
        winogradCalls() - before >= 200 * 2 * 12,
        'the 3x3 convolutions must run on the Winograd kernel',
      );
      const without = await resnetLosses(false, 200);
      assert.ok(without[199]! < 0.5 * without[0]!, `the net must train: ${without[0]} -> ${without[199]}`);
      let worst = 0;
      withWinograd.forEach((l, i) => {
        const deviation = Math.abs(l - without[i]!) / Math.abs(without[i]!);
        worst = Math.max(worst, deviation);
        assert.ok(deviation <= 1e-4, `step ${i}: ${l} vs ${without[i]}`);
      });
      t.diagnostic(`largest relative deviation of the loss over 200 steps: ${worst}`);
    },
  );
}

/** Losses of `steps` momentum-SGD steps of ResNet-20 (8x8 inputs, batch 4, softmax) on wasm. */
async function resnetLosses(native: boolean, steps: number): Promise<number[]> {
  await initBackend('wasm', { threads: 1 });
  if (native) assert.ok(registerNativeKernels('wasm'));
  else unregisterNativeKernels('wasm');
  const model = buildNetwork('resnet20', { inputShape: [8, 8, 3], seed: 1 });
  const x = tf.tensor4d(randn(4 * 8 * 8 * 3, 21), [4, 8, 8, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 64);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor2D),
      true,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  tf.dispose([x, labels]);
  optimizer.dispose();
  model.dispose();
  registerNativeKernels('wasm');
  return losses;
}
