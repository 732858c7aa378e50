import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import { halfSquaredMahalanobis } from '../../src/gm/distance.js';
import { agreesWithCpu, nativeSkip, randn } from '../native/compare.js';
import { makeProblem, problemTensors } from '../helpers/problems.js';
import type { Kind } from '../helpers/reference.js';

const KINDS: Kind[] = ['identity', 'isotropic', 'diagonal'];

// The addon's fused distance kernels (LgmDistance, LgmDistanceGrad) against the TF.js-op path on the cpu backend,
// which test/gm/density.test.ts checks against float64: values and gradients w.r.t. x, means and inverse variances.
describe(
  'halfSquaredMahalanobis: the fused native kernels agree with the TF.js-op path',
  { skip: nativeSkip() },
  () => {
    for (const kind of KINDS) {
      for (const [label, spec] of [
        ['near the origin', { offset: 0, meanSpread: 2 }],
        ['far from the origin (~1000)', { offset: 1000, meanSpread: 1 }],
      ] as const) {
        for (const withLabels of [true, false]) {
          test(`${kind} ${label}, ${withLabels ? 'with' : 'without'} label anchors`, async () => {
            const p = makeProblem({ n: 12, k: 5, d: 6, kind, seed: 21, flipFraction: 0.3, ...spec });
            const upstream = randn(12 * 5, 22);
            await agreesWithCpu(
              'wasm',
              `${kind} ${label}`,
              () => {
                const t = problemTensors(p);
                const inputs: tf.Tensor[] = [t.features, t.means];
                if (t.logVariances) inputs.push(tf.exp(tf.neg(t.logVariances)));
                const distance = (...args: tf.Tensor[]) =>
                  halfSquaredMahalanobis(
                    args[0] as tf.Tensor2D,
                    args[1] as tf.Tensor2D,
                    args[2] ?? null,
                    withLabels ? t.labels : undefined,
                  );
                const weighted = (...args: tf.Tensor[]) =>
                  tf.sum(tf.mul(distance(...args), tf.tensor2d(upstream, [12, 5])));
                return [distance(...inputs), ...tf.grads(weighted)(inputs)];
              },
              ['LgmDistance', 'LgmDistanceGrad'],
              1e-4,
            );
          });
        }
      }
    }
  },
);
