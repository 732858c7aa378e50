import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, seededNormal } from '../../src/util/random.js';
import { arraySource, TrainData } from '../../src/train/data.js';
import { resolveTrainConfig, TrainConfigInput } from '../../src/train/config.js';
import type { MetricsRecord } from '../../src/run/metrics.js';
import { disposeModel, modelTensors } from '../../src/train/model.js';
import type { TrainRunResult } from '../../src/train/trainer.js';

/** Selects the cpu backend (deterministic and always present) for training tests. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Separable 4-D blobs with K classes: a tiny, fast data set for trainer tests. */
export function blobData(
  options: {
    count?: number;
    testCount?: number;
    numClasses?: number;
    dim?: number;
    batchSize?: number;
    seed?: number;
  } = {},
): TrainData {
  const { count = 96, testCount = 48, numClasses = 3, dim = 4, batchSize = 16, seed = 7 } = options;
  const normal = seededNormal(mulberry32(seed));
  const means = Array.from({ length: numClasses * dim }, () => 3 * normal());
  const make = (n: number) => {
    const values = new Float32Array(n * dim);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % numClasses;
      for (let d = 0; d < dim; d++) values[i * dim + d] = means[labels[i] * dim + d] + 0.5 * normal();
    }
    return [values, labels] as const;
  };
  const [tv, tl] = make(count);
  const [sv, sl] = make(testCount);
  return {
    inputShape: [dim],
    numClasses,
    train: arraySource(tv, tl, [dim], { batchSize, seed }),
    test: arraySource(sv, sl, [dim], { batchSize: 32, shuffle: false }),
  };
}

/** A small MLP config on blobs. */
export function mlpConfig(extra: TrainConfigInput = {}) {
  return resolveTrainConfig({
    dataset: { name: 'synthetic' },
    net: { name: 'mlp', featureDim: 3, hidden: [16] },
    loss: { name: 'lgm' },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 1e-4 },
    lr: { base: 0.05 },
    epochs: 2,
    logEvery: 2,
    seed: 3,
    ...extra,
  });
}

/** A fresh temp directory for a run. */
export function tempDir(prefix = 'lgm-train-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const TIMING = ['time', 'imagesPerSecond', 'seconds'];

/** Metrics records without their timings (which differ between two runs of the same training). */
export const untimed = (records: MetricsRecord[]) =>
  records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.includes(k))));

/** A trained model's weights as plain arrays by checkpoint key; disposes the model. */
export async function finalWeights(result: TrainRunResult): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(modelTensors(result.model))) out[k] = Array.from(await t.data());
  disposeModel(result.model);
  return out;
}
