import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../../src/native/index.js';
import { agreesWithCpu, fusedConvGrads, nativeSkip, randn, runOn } from './compare.js';

// The addon's Winograd variant of 3x3, stride-1, pad-1 and 5x5, stride-1, pad-2 convolutions
// (native/src/winograd.cc) runs by default only on convolutions of 256 tiles or more with 16 channels or more in
// and out (native/src/winograd.h, winogradByDefault), so these tests force it: LGM_CONV_LAYOUT is read once per
// process, and the test below runs this file again in a child process with LGM_CONV_LAYOUT=winograd, where the
// comparisons run. Each comparison also checks, through the addon's counter, that the Winograd kernel did the work.
const forced = process.env.LGM_CONV_LAYOUT === 'winograd';
const skip = nativeSkip();

/** Times the addon's Winograd kernel has run in this process. */
function winogradCalls(): number {
  const addon = loadAddon().addon as unknown as { convWinogradCalls: () => number };
  return addon.convWinogradCalls();
}

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

// The same for 5x5, stride-1, pad-2 filters (F(2x2, 5x5)): LeNet++'s six geometries at a small batch, then odd
// sizes, channel counts not a multiple of 8, and images smaller than the filter.
const SHAPES5 = [
  [2, 28, 28, 1, 32],
  [2, 28, 28, 32, 32],
  [2, 14, 14, 32, 64],
  [2, 14, 14, 64, 64],
  [1, 7, 7, 64, 128],
  [1, 7, 7, 128, 128],
  [2, 7, 9, 5, 3],
  [3, 13, 6, 12, 20],
  [2, 1, 3, 1, 1],
  [1, 2, 2, 9, 17],
] as const;

const here = (path: string) => new URL(path, import.meta.url).href;

// 200 steps as in test/native/batchnorm.test.ts's resnetLosses (of ResNet-20 on 8x8 inputs, or LeNet++ on 28x28),
// on wasm with the native kernels; prints the losses and how many times the Winograd kernels ran.
const curveScript = (net: 'resnet20' | 'lenetpp') => `
import * as tf from '@tensorflow/tfjs-core';
const { initBackend } = await import(${JSON.stringify(here('../../src/backend/index.js'))});
const { loadAddon, registerNativeKernels } = await import(${JSON.stringify(here('../../src/native/index.js'))});
const { buildNetwork } = await import(${JSON.stringify(here('../../src/nets/registry.js'))});
const { mulberry32, seededNormal } = await import(${JSON.stringify(here('../../src/util/random.js'))});
const randn = (n, seed) => Float32Array.from({ length: n }, seededNormal(mulberry32(seed)));
await initBackend('wasm', { threads: 1 });
if (!registerNativeKernels('wasm')) throw new Error('native kernels not registered');
const [h, c] = ${net === 'lenetpp' ? '[28, 1]' : '[8, 3]'};
const model = buildNetwork('${net}', { inputShape: [h, h, c], featureDim: 64, seed: 1 });
const x = tf.tensor4d(randn(4 * h * h * c, 21), [4, h, h, c]);
const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 64);
const optimizer = tf.train.momentum(${net === 'lenetpp' ? 0.0001 : 0.01}, 0.9);
const losses = [];
for (let step = 0; step < 200; step++) {
  const loss = optimizer.minimize(
    () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })),
    true,
  );
  losses.push(loss.dataSync()[0]);
  loss.dispose();
}
console.log(JSON.stringify({ losses, calls: loadAddon().addon.convWinogradCalls() }));
`;

if (!forced) {
  // Which convolutions run on the Winograd kernels by default is a fixed rule, not a timing, so that a run takes
  // the same kernels (and rounds the same way) every time: [batch, height, width, in, out, filter size] and
  // whether the forward convolution runs on them, each called twice (the second call reuses the first's choice).
  test(
    'by default the Winograd kernels take the convolutions winogradByDefault names, every time',
    { skip },
    async () => {
      const cases = [
        [[16, 16, 16, 16, 16, 3], true], // 16 x 4 x 4 = 256 tiles of 4x4 pixels, 16 channels in and out
        [[15, 16, 16, 16, 16, 3], false], // 240 tiles
        [[16, 16, 16, 3, 16, 3], false], // a first layer on 3 image channels
        [[16, 16, 16, 16, 8, 3], false], // 8 channels out
        [[8, 28, 28, 32, 32, 5], true], // 8 x 7 x 7 = 392 tiles
        [[8, 28, 28, 1, 32, 5], false], // LeNet++'s first layer
      ] as const;
      for (const [[n, h, w, c, k, r], winograd] of cases) {
        const conv = () => [
          tf.conv2d(
            tf.tensor4d(randn(n * h * w * c, 3), [n, h, w, c]),
            tf.tensor4d(randn(r * r * c * k, 4), [r, r, c, k]),
            1,
            'same',
          ),
        ];
        for (let call = 0; call < 2; call++) {
          const calls = winogradCalls();
          await runOn('cpu', true, conv); // checks that no tensor is left behind
          const what = `x [${n},${h},${w},${c}], filter [${r},${r},${c},${k}], call ${call + 1}`;
          assert.equal(winogradCalls() - calls, winograd ? 1 : 0, what);
        }
      }
    },
  );

  test('Winograd convolutions agree with the cpu backend (LGM_CONV_LAYOUT=winograd)', { skip }, () => {
    // Without NODE_TEST_CONTEXT, which makes a nested `node --test` skip its files.
    const env: NodeJS.ProcessEnv = { ...process.env, LGM_CONV_LAYOUT: 'winograd' };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], {
      env,
      encoding: 'utf8',
      timeout: 900_000, // about a minute on an idle machine; generous for a loaded one
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(
      run.status,
      0,
      `${run.signal ? `killed by ${run.signal} (timeout?)\n` : ''}${output.slice(-3000)}`,
    );
    const passed = Number(/# pass (\d+)/.exec(output)?.[1] ?? 0);
    assert.equal(
      passed,
      SHAPES.length + SHAPES5.length,
      `every shape's comparison must run: ${output.slice(-500)}`,
    );
  });

  /** The losses of curveScript(net) in a child process with LGM_CONV_LAYOUT=layout, and the Winograd calls. */
  const curve = (net: 'resnet20' | 'lenetpp', layout: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LGM_CONV_LAYOUT: layout };
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', curveScript(net)], {
      env,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`.slice(-2000));
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { losses: number[]; calls: number };
  };

  /** The largest relative deviation of the Winograd curve from the direct one; each step's must be <= bound. */
  const deviation = (winograd: number[], direct: number[], bound: number) => {
    const [first, last] = [direct[0]!, direct[199]!];
    assert.ok(last < 0.5 * first, `the net must train: ${first} -> ${last}`);
    let worst = 0;
    winograd.forEach((l, i) => {
      const d = Math.abs(l - direct[i]!) / Math.abs(direct[i]!);
      worst = Math.max(worst, d);
      assert.ok(d <= bound, `step ${i}: ${l} vs ${direct[i]}`);
    });
    return worst;
  };

  // As test/native/batchnorm.test.ts checks the native kernels as a whole: 200 momentum-SGD steps of ResNet-20
  // (8x8 inputs, batch 4, softmax) with every 3x3 stride-1 convolution and both its gradients on the Winograd
  // kernels, against the same run on oneDNN's direct convolutions (NHWC), each in its own process. This curve
  // amplifies any change of rounding: other changes (1 or 2 OpenMP threads, wasm alone) move it by about 5e-5
  // relative, and the Winograd kernels, whose results are as close to float64 as oneDNN's (docs/native.md), by
  // about 3e-4; the bound is 1e-3 and the deviation is printed as a diagnostic.
  test(
    "ResNet-20: a 200-step loss curve on the Winograd kernels follows the direct convolutions'",
    { skip },
    (t) => {
      const winograd = curve('resnet20', 'winograd');
      const direct = curve('resnet20', 'nhwc');
      assert.ok(
        winograd.calls >= 200 * 3 * 12,
        `the 3x3 convolutions must run on the Winograd kernels (${winograd.calls})`,
      );
      assert.equal(direct.calls, 0, 'LGM_CONV_LAYOUT=nhwc must not run the Winograd kernels');
      const worst = deviation(winograd.losses, direct.losses, 1e-3);
      t.diagnostic(`largest relative deviation of the loss over 200 steps: ${worst}`);
    },
  );

  // The same for LeNet++ (28x28 inputs, batch 4, learning rate 1e-4: at 1e-2 or 1e-3 the curve is chaotic, 1 and 2
  // OpenMP threads of the direct convolutions apart by 30% or more): its six 5x5 convolutions forward and the five
  // whose input gradient is needed on F(2x2, 5x5), the filter gradients on oneDNN in both runs. Here the direct
  // convolutions on 1 and 2 threads differ by about 5e-4 relative, and Winograd moves the curve by 0.5-1.1e-3; the
  // bound is 3e-3 (a wrong transform moves it by orders of magnitude more).
  test(
    "LeNet++: a 200-step loss curve on the Winograd kernels follows the direct convolutions'",
    { skip },
    (t) => {
      const winograd = curve('lenetpp', 'winograd');
      const direct = curve('lenetpp', 'nhwc');
      assert.ok(
        winograd.calls >= 200 * (6 + 5),
        `the 5x5 convolutions must run on the Winograd kernels (${winograd.calls})`,
      );
      assert.equal(direct.calls, 0, 'LGM_CONV_LAYOUT=nhwc must not run the Winograd kernels');
      const worst = deviation(winograd.losses, direct.losses, 3e-3);
      t.diagnostic(`largest relative deviation of the loss over 200 steps: ${worst}`);
    },
  );
} else {
  // Forward (plain and with fused bias + ReLU) and the three gradients of r x r, stride-1 convolutions forced onto
  // the Winograd kernels, against the cpu backend; the counter checks which of them the kernels ran.
  const forcedAgreement = (
    r: 3 | 5,
    shapes: readonly (readonly number[])[],
    seed: number,
    label: string,
    gradCalls: number,
  ) => {
    describe(`Winograd ${r}x${r} convolutions (forced) agree with the cpu backend`, { skip }, () => {
      shapes.forEach(([n, h, w, c, k], i) => {
        test(`x [${n},${h},${w},${c}], filter [${r},${r},${c},${k}]: forward, fused bias + relu, gradients`, async () => {
          const xv = randn(n * h * w * c, seed + i);
          const fv = randn(r * r * c * k, seed + 10 + i).map((v) => v / Math.sqrt(r * r * c));
          const bv = randn(k, seed + 20 + i);
          const make = () =>
            [tf.tensor4d(xv, [n, h, w, c]), tf.tensor4d(fv, [r, r, c, k]), tf.tensor1d(bv)] as const;
          const before = winogradCalls();
          await agreesWithCpu(
            'cpu',
            `winograd ${label}forward ${i}`,
            () => {
              const [x, f, b] = make();
              const plain = tf.conv2d(x, f, 1, 'same');
              const pad = (r - 1) / 2;
              const fused = tf.fused.conv2d({ x, filter: f, strides: 1, pad, bias: b, activation: 'relu' });
              return [plain, fused];
            },
            ['Conv2D', 'FusedConv2D'],
          );
          assert.equal(
            winogradCalls() - before,
            2,
            'the forward convolutions must run on the Winograd kernel',
          );
          const beforeGrads = winogradCalls();
          await agreesWithCpu(
            'cpu',
            `winograd ${label}gradients ${i}`,
            () => {
              const [x, f, b] = make();
              return fusedConvGrads(x, f, b, 1, 'same', seed + 30 + i);
            },
            ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
          );
          assert.equal(
            winogradCalls() - beforeGrads,
            gradCalls,
            gradCalls === 3
              ? 'all three convolutions must run on the Winograd kernels'
              : 'forward and backward-data must run on the Winograd kernels',
          );
        });
      });
    });
  };
  forcedAgreement(3, SHAPES, 10, '', 3);
  // The 5x5 filter gradient stays on oneDNN: only the forward and the backward-data run on the kernels.
  forcedAgreement(5, SHAPES5, 50, '5x5 ', 2);
}
