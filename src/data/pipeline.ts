import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import { booleanOption, checkKnownKeys, numberOption } from '../util/options.js';
import { mulberry32 } from '../util/random.js';
import { fillBatch, prepareSelection, type Augmentation } from './batch.js';
import { checkDataset } from './check.js';
import { imageSize, type ImageDataset } from './dataset.js';
import type { Normalization } from './normalization.js';
import { deriveSeed, shuffleInPlace } from './seed.js';

/** Options of `createPipeline`. */
export interface PipelineOptions {
  /** Images per batch. Default 64, integer in [1, 65536]. */
  batchSize?: number;
  /** Seed of the per-epoch shuffles and augmentation. Default 0, integer in [0, 2^32). */
  seed?: number;
  /** Whether to shuffle each epoch (false: dataset order, e.g. for evaluation). Default true. */
  shuffle?: boolean;
  /** Images of the dataset to iterate (e.g. the train part of trainValidationSplit). Default all. */
  indices?: ArrayLike<number>;
  /** Per-channel normalisation (see channelStats). Default none: pixel/255 in [0, 1]. */
  normalization?: Normalization;
  /** Augmentation: {pad?: default 4, integer in [0, 64]; flip?: default true}. Default none. */
  augment?: Partial<Augmentation>;
  /** Whether to skip the last, smaller batch of an epoch. Default false. */
  dropRemainder?: boolean;
}

/** One batch. The consumer owns x and y and must dispose them (e.g. tf.dispose([batch.x, batch.y])). */
export interface Batch {
  /** float32 [B, H, W, C], normalised. */
  x: tf.Tensor4D;
  /** int32 [B] class indices. */
  y: tf.Tensor1D;
  /** Index of this batch within its epoch. */
  index: number;
}

/** A seeded, re-iterable batch source over one dataset. */
export interface Pipeline {
  /** Images per epoch. */
  count: number;
  batchSize: number;
  batchesPerEpoch: number;
  /** The image order of `epoch` (a fresh array): fixed by (seed, epoch). */
  order(epoch: number): Uint32Array;
  /**
   * The batches of `epoch` (0-based), starting at batch `fromBatch` (default 0, to resume mid-epoch).
   * Each batch's float32 buffer is made when the batch is requested, so memory holds the uint8 dataset
   * plus the batches the consumer has not disposed yet.
   */
  epoch(epoch: number, fromBatch?: number): Generator<Batch, void, undefined>;
}

const KEYS = [
  'batchSize',
  'seed',
  'shuffle',
  'indices',
  'normalization',
  'augment',
  'dropRemainder',
] as const;
const WHERE = 'createPipeline';

function augmentation(value: Partial<Augmentation> | undefined): Augmentation | undefined {
  if (value === undefined) return undefined;
  checkKnownKeys(`${WHERE}: augment`, value, ['pad', 'flip']);
  return {
    pad: numberOption(WHERE, 'augment.pad', value.pad, 4, { min: 0, max: 64, integer: true }),
    flip: booleanOption(WHERE, 'augment.flip', value.flip, true),
  };
}

/**
 * Batches over a uint8 dataset: per-epoch seeded shuffling, per-channel normalisation and optional
 * crop/flip augmentation, converting to float32 only one batch at a time.
 */
export function createPipeline(dataset: ImageDataset, options: PipelineOptions = {}): Pipeline {
  checkKnownKeys(WHERE, options, KEYS);
  checkDataset(WHERE, dataset);
  const batchSize = numberOption(WHERE, 'batchSize', options.batchSize, 64, {
    min: 1,
    max: 65536,
    integer: true,
  });
  const seed = numberOption(WHERE, 'seed', options.seed, 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const shuffle = booleanOption(WHERE, 'shuffle', options.shuffle, true);
  const dropRemainder = booleanOption(WHERE, 'dropRemainder', options.dropRemainder, false);
  const { order: base, table } = prepareSelection(WHERE, dataset, options.indices, options.normalization);
  const augment = augmentation(options.augment);
  const count = base.length;
  const batchesPerEpoch = dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
  if (batchesPerEpoch === 0) {
    throw new LgmError(
      `${WHERE}: batchSize must be at most the ${count} images with dropRemainder, got ${batchSize}`,
    );
  }
  const { height, width, channels } = dataset;

  const order = (epoch: number): Uint32Array => {
    numberOption(WHERE, 'epoch', epoch, 0, { min: 0, max: 2 ** 32 - 1, integer: true });
    const copy = base.slice();
    return shuffle ? shuffleInPlace(copy, mulberry32(deriveSeed(seed, epoch))) : copy;
  };

  function* batches(
    e: number,
    epochOrder: Uint32Array,
    fromBatch: number,
  ): Generator<Batch, void, undefined> {
    for (let b = fromBatch; b < batchesPerEpoch; b++) {
      const from = b * batchSize;
      const n = Math.min(batchSize, count - from);
      const values = new Float32Array(n * imageSize(dataset));
      const rand = mulberry32(deriveSeed(seed, e, b, 1));
      fillBatch(dataset, epochOrder, from, n, values, table, augment && { spec: augment, rand });
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) labels[i] = dataset.labels[epochOrder[from + i]];
      yield {
        x: tf.tensor4d(values, [n, height, width, channels], 'float32'),
        y: tf.tensor1d(labels, 'int32'),
        index: b,
      };
    }
  }

  // Validates eagerly, so a bad argument throws at the call rather than at the first next().
  const epoch = (e: number, fromBatch = 0) => {
    const epochOrder = order(e);
    numberOption(WHERE, 'fromBatch', fromBatch, 0, { min: 0, max: batchesPerEpoch, integer: true });
    return batches(e, epochOrder, fromBatch);
  };

  return { count, batchSize, batchesPerEpoch, order, epoch };
}
