import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys } from '../util/options.js';
import { fillBatch, prepareSelection } from './batch.js';
import { checkDataset } from './check.js';
import { imageSize, type ImageDataset } from './dataset.js';
import type { Normalization } from './normalization.js';

/** Options of `datasetTensors`. */
export interface DatasetTensorsOptions {
  /** Images to include, in this order. Default all, in dataset order. */
  indices?: ArrayLike<number>;
  /** Per-channel normalisation (see channelStats). Default none: pixel/255 in [0, 1]. */
  normalization?: Normalization;
}

/**
 * A whole (small) split as tensors for evaluation: x float32 [N, H, W, C] normalised, y int32 [N]. The
 * caller disposes both. This holds N*H*W*C float32 values (31 MB for the 10k MNIST test images, 123 MB for
 * the CIFAR test set); for larger sets iterate createPipeline(dataset, {shuffle: false}) instead.
 */
export function datasetTensors(
  dataset: ImageDataset,
  options: DatasetTensorsOptions = {},
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const where = 'datasetTensors';
  checkKnownKeys(where, options, ['indices', 'normalization']);
  checkDataset(where, dataset);
  const { order, table } = prepareSelection(where, dataset, options.indices, options.normalization);
  const n = order.length;
  const values = new Float32Array(n * imageSize(dataset));
  fillBatch(dataset, order, 0, n, values, table);
  const labels = Int32Array.from(order, (i) => dataset.labels[i]);
  const { height, width, channels } = dataset;
  return { x: tf.tensor4d(values, [n, height, width, channels], 'float32'), y: tf.tensor1d(labels, 'int32') };
}
