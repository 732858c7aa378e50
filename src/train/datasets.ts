import { DATASET_NAMES, DatasetName, loadDataset } from '../data/registry.js';
import { syntheticImages } from '../data/synthetic.js';
import { channelStats } from '../data/normalization.js';
import { createPipeline } from '../data/pipeline.js';
import type { ImageDataset } from '../data/dataset.js';
import type { DatasetConfig } from './config.js';
import type { TrainData } from './data.js';

/** Datasets a run can name: the file-backed ones of src/data plus 'synthetic' (seeded template images). */
export const TRAIN_DATASETS = [...DATASET_NAMES, 'synthetic'] as const;

/** Sizes of the 'synthetic' set: 28x28 grey images of 10 classes (a template per class plus noise). */
const SYNTHETIC = { train: 2000, test: 500 };

/** Whether a dataset gets CIFAR augmentation (pad 4 + random 32 crop + horizontal flip) when training. */
export function defaultAugment(name: string): boolean {
  return name.startsWith('cifar');
}

function firstIndices(count: number, limit: number | null): Uint32Array {
  return Uint32Array.from({ length: limit === null ? count : Math.min(limit, count) }, (_, i) => i);
}

interface Splits {
  train: ImageDataset;
  trainCount: number;
  test: ImageDataset;
  testOffset: number;
}

async function loadSplits(config: DatasetConfig): Promise<Splits> {
  if (config.name === 'synthetic') {
    // One call so that train and test share the class templates; the test images follow the train images.
    const all = syntheticImages({ count: SYNTHETIC.train + SYNTHETIC.test, seed: 0 });
    return { train: all, trainCount: SYNTHETIC.train, test: all, testOffset: SYNTHETIC.train };
  }
  const name = config.name as DatasetName;
  const dataDir = config.dataDir ?? undefined;
  const [train, test] = await Promise.all([
    loadDataset(name, { split: 'train', dataDir }),
    loadDataset(name, { split: 'test', dataDir }),
  ]);
  return { train, trainCount: train.count, test, testOffset: 0 };
}

/**
 * Loads a run's data: the train split shuffled per epoch by (seed, epoch) (augmented for CIFAR when
 * config.augment), the test split in order, both normalised by the train split's per-channel statistics.
 */
export async function loadTrainData(
  config: DatasetConfig,
  options: { batchSize: number; evalBatchSize: number; seed: number },
): Promise<TrainData> {
  const { train, trainCount, test, testOffset } = await loadSplits(config);
  const trainIndices = firstIndices(trainCount, config.trainLimit);
  const testCount = test.count - testOffset;
  const testIndices = firstIndices(testCount, config.testLimit).map((i) => i + testOffset);
  const normalization = channelStats(train, trainIndices);
  return {
    inputShape: [train.height, train.width, train.channels],
    numClasses: train.numClasses,
    normalization,
    train: createPipeline(train, {
      batchSize: options.batchSize,
      seed: options.seed,
      indices: trainIndices,
      normalization,
      ...(config.augment ? { augment: {} } : {}),
    }),
    test: createPipeline(test, {
      batchSize: options.evalBatchSize,
      shuffle: false,
      indices: testIndices,
      normalization,
    }),
  };
}
