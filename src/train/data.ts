import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import type { Normalization } from '../data/normalization.js';
import { mulberry32 } from '../util/random.js';

/** One batch: inputs [B, ...inputShape] float32 and int32 labels [B]. The consumer disposes both. */
export interface TrainBatch {
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** A seeded, re-iterable batch source (the shape of src/data's Pipeline). */
export interface BatchSource {
  /** Samples per epoch. */
  count: number;
  batchesPerEpoch: number;
  /** The batches of `epoch` (fixed by the seed and the epoch), from batch `fromBatch` on (to resume). */
  epoch(epoch: number, fromBatch?: number): Iterable<TrainBatch>;
}

/** What the trainer trains on: a shuffled train source and an ordered test source. */
export interface TrainData {
  inputShape: number[];
  numClasses: number;
  /**
   * How the sources normalised pixel/255 images (saved with the run as normalization.json, so that the loaded
   * model takes pixels). Absent: the samples are given as they are (the identity is saved).
   */
  normalization?: Normalization;
  train: BatchSource;
  test: BatchSource;
}

/** Options of `arraySource`. */
export interface ArraySourceOptions {
  /** Samples per batch, >= 1. */
  batchSize: number;
  /** Seed of the per-epoch shuffle. Default 0. */
  seed?: number;
  /** Shuffle each epoch (false: stored order). Default true. */
  shuffle?: boolean;
}

/**
 * A batch source over float32 samples held in memory (`values` row-major [count, ...inputShape]).
 * Used for synthetic data and tests; image datasets use src/data's pipeline.
 */
export function arraySource(
  values: Float32Array,
  labels: Int32Array,
  inputShape: number[],
  options: ArraySourceOptions,
): BatchSource {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const count = labels.length;
  if (values.length !== count * size || count === 0) {
    throw new LgmError(
      `arraySource: values must hold ${count} samples of shape [${inputShape.join(',')}] (${count * size} numbers), got ${values.length}`,
    );
  }
  const { batchSize, seed = 0, shuffle = true } = options;
  const batchesPerEpoch = Math.ceil(count / batchSize);
  const order = (epoch: number) => {
    const idx = Array.from({ length: count }, (_, i) => i);
    if (!shuffle) return idx;
    // Fisher-Yates with a generator fixed by (seed, epoch): an epoch's order never depends on earlier epochs.
    const rand = mulberry32((seed * 1000003 + epoch * 7919 + 1) >>> 0);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx;
  };
  function* epoch(e: number, fromBatch = 0): Generator<TrainBatch> {
    const idx = order(e);
    for (let b = fromBatch; b < batchesPerEpoch; b++) {
      const rows = idx.slice(b * batchSize, (b + 1) * batchSize);
      const x = new Float32Array(rows.length * size);
      rows.forEach((r, i) => x.set(values.subarray(r * size, (r + 1) * size), i * size));
      const y = Int32Array.from(rows, (r) => labels[r]);
      yield { x: tf.tensor(x, [rows.length, ...inputShape], 'float32'), y: tf.tensor1d(y, 'int32') };
    }
  }
  return { count, batchesPerEpoch, epoch };
}
