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

/** Settings of the fixture run (the defaults keep it to seconds). */
export interface MnistRunOptions {
  trainCount?: number;
  testCount?: number;
  hidden?: number[];
  featureDim?: number;
  epochs?: number;
  /** Where to write the run; default a fresh temp directory. */
  runDir?: string;
}

export async function mnistRun(loss: 'lgm' | 'softmax', options: MnistRunOptions = {}): Promise<string> {
  const { trainCount = 600, testCount = 200, hidden = [32], featureDim = 8, epochs = 4 } = options;
  const runDir = options.runDir ?? join(mkdtempSync(join(tmpdir(), 'lgm-detect-')), 'run');
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
    net: { name: 'mlp', featureDim, hidden },
    loss: { name: loss },
    optimizer: { name: 'adam' },
    lr: { base: 0.003 },
    epochs,
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
