import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer } from '../../src/train/optimizer.js';
import { resolveTrainConfig, OptimizerConfig } from '../../src/train/config.js';
import { useCpu } from './fixtures.js';

function run(
  config: Partial<OptimizerConfig>,
  grads: number[],
  options: { decay?: boolean; lrScale?: number } = {},
): number[] {
  const v = tf.tidy(() => tf.variable(tf.scalar(1)));
  const opt = new Optimizer(resolveTrainConfig({ optimizer: { weightDecay: 0, ...config } }).optimizer, [
    { key: 'w', variable: v, decay: options.decay ?? false, lrScale: options.lrScale ?? 1 },
  ]);
  const out: number[] = [];
  for (const g of grads) {
    const grad = tf.scalar(g);
    opt.apply({ [v.name]: grad }, 0.1);
    grad.dispose();
    out.push(v.dataSync()[0]);
  }
  opt.dispose();
  v.dispose();
  return out;
}

const near = (a: number[], b: number[]) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-6, `${a} vs ${b}`));

test('SGD, momentum, Nesterov and Adam follow their update rules', async () => {
  await useCpu();
  const before = tf.memory().numTensors;
  near(run({ momentum: 0 }, [1, 1]), [0.9, 0.8]);
  // v1 = 1, w = 0.9; v2 = 0.5 + 1 = 1.5, w = 0.75
  near(run({ momentum: 0.5 }, [1, 1]), [0.9, 0.75]);
  // Nesterov: step = g + mu v: 1 + 0.5 = 1.5 -> 0.85; v2 = 1.5, step = 1 + 0.75 -> 0.675
  near(run({ momentum: 0.5, nesterov: true }, [1, 1]), [0.85, 0.675]);
  // Adam's first step is lr * g / |g| (bias-corrected) = 0.1.
  near(run({ name: 'adam' }, [2, 2]), [0.9, 0.8]);
  assert.equal(tf.memory().numTensors, before);
});

test('weight decay applies only where marked; the learning-rate scale multiplies the step', async () => {
  await useCpu();
  near(run({ momentum: 0, weightDecay: 0.5 }, [0], { decay: true }), [1 - 0.1 * 0.5]);
  near(run({ momentum: 0, weightDecay: 0.5 }, [0], { decay: false }), [1]);
  near(run({ momentum: 0 }, [1], { lrScale: 3 }), [0.7]);
});
