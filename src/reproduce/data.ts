import * as tf from '@tensorflow/tfjs-core';
import { datasetTensors } from '../data/tensors.js';
import { loadDataset } from '../data/registry.js';
import type { ImageDataset } from '../data/dataset.js';
import { loadTrainData } from '../train/datasets.js';
import type { TrainData } from '../train/data.js';
import type { TrainConfig } from '../train/config.js';
import type { ExperimentName } from './experiments.js';

/** Everything an experiment reads, loaded once and shared by its variants. */
export interface ExperimentData {
  /** The trainer's batches (the same for every variant: same dataset, limits, batch size and seed). */
  train: TrainData;
  train01: ImageDataset;
  test01: ImageDataset;
}

/** Loads the data of an experiment for the shared part of its configs. */
export async function loadExperimentData(
  experiment: ExperimentName,
  config: TrainConfig,
): Promise<ExperimentData> {
  const train = await loadTrainData(config.dataset, {
    batchSize: config.batchSize,
    evalBatchSize: config.evalBatchSize,
    seed: config.seed,
  });
  const dataDir = config.dataset.dataDir ?? undefined;
  const [train01, test01] = await Promise.all([
    loadDataset(experiment, { split: 'train', dataDir }),
    loadDataset(experiment, { split: 'test', dataDir }),
  ]);
  return { train, train01, test01 };
}

/** The first `limit` images of a split as pixel / 255 in [0, 1] (the range attacks clip to); caller disposes. */
export function firstImages(dataset: ImageDataset, limit: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const count = Math.min(limit, dataset.count);
  return datasetTensors(dataset, { indices: Uint32Array.from({ length: count }, (_, i) => i) });
}
