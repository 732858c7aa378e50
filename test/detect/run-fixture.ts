/**
 * A real run directory for CLI tests: `trainRun` (the train module) on the first MNIST images with a small MLP,
 * inputs pixel/255 as `lgm train` feeds them. Seconds on the cpu backend.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadInputs } from '../../src/detect/input-sets.js';
import { arraySource } from '../../src/train/data.js';
import { resolveTrainConfig } from '../../src/train/config.js';
import { disposeModel } from '../../src/train/model.js';
import { trainRun } from '../../src/train/trainer.js';

export async function mnistRun(loss: 'lgm' | 'softmax', trainCount = 600, testCount = 200): Promise<string> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'lgm-detect-')), 'run');
  const train = await loadInputs('mnist', { split: 'train', limit: trainCount });
  const test = await loadInputs('mnist', { split: 'test', limit: testCount });
  const source = (d: typeof train, shuffle: boolean) =>
    arraySource(d.x.dataSync() as Float32Array, d.y.dataSync() as Int32Array, [28, 28, 1], {
      batchSize: 50,
      seed: 1,
      shuffle,
    });
  const config = resolveTrainConfig({
    dataset: { name: 'mnist', trainLimit: trainCount, testLimit: testCount },
    net: { name: 'mlp', featureDim: 8, hidden: [32] },
    loss: { name: loss },
    optimizer: { name: 'adam' },
    lr: { base: 0.003 },
    epochs: 4,
    seed: 2,
  });
  const data = {
    inputShape: [28, 28, 1],
    numClasses: 10,
    train: source(train, true),
    test: source(test, false),
  };
  const result = await trainRun({ config, runDir, data });
  disposeModel(result.model);
  tf.dispose([train.x, train.y, test.x, test.y]);
  return runDir;
}
