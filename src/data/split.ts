import { LgmError } from '../util/errors.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { mulberry32 } from '../util/random.js';
import { checkDataset, checkIndices } from './check.js';
import { imageSize, type ImageDataset } from './dataset.js';
import { shuffleInPlace } from './seed.js';

/** Options of `trainValidationSplit`. */
export interface SplitOptions {
  /** Number of validation images. Default: round(validationFraction * count), integer in [1, count-1]. */
  validationCount?: number;
  /** Fraction of the images held out when validationCount is not given. Default 0.1, in (0, 1). */
  validationFraction?: number;
  /** Seed of the random assignment. Default 0, integer in [0, 2^32). */
  seed?: number;
}

/**
 * A seeded random partition of image indices [0, count) into train and validation (each sorted ascending).
 * Pass them as `indices` to createPipeline / channelStats / datasetTensors: no pixels are copied.
 */
export function trainValidationSplit(
  count: number,
  options: SplitOptions = {},
): { train: Uint32Array; validation: Uint32Array } {
  const where = 'trainValidationSplit';
  checkKnownKeys(where, options, ['validationCount', 'validationFraction', 'seed']);
  numberOption(where, 'count', count, 0, { min: 2, max: 2 ** 32 - 1, integer: true });
  if (options.validationCount !== undefined && options.validationFraction !== undefined) {
    throw new LgmError(`${where}: give validationCount or validationFraction, not both`);
  }
  const fraction = numberOption(where, 'validationFraction', options.validationFraction, 0.1, {
    min: 0,
    max: 1,
  });
  if (fraction === 0 || fraction === 1) {
    throw new LgmError(`${where}: validationFraction must be in (0, 1), got number ${fraction}`);
  }
  const fallback = Math.min(Math.max(Math.round(fraction * count), 1), count - 1);
  const validationCount = numberOption(where, 'validationCount', options.validationCount, fallback, {
    min: 1,
    max: count - 1,
    integer: true,
  });
  const seed = numberOption(where, 'seed', options.seed, 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const all = shuffleInPlace(
    Uint32Array.from({ length: count }, (_, i) => i),
    mulberry32(seed),
  );
  return { train: all.slice(validationCount).sort(), validation: all.slice(0, validationCount).sort() };
}

/** A copy of the images at `indices` as a new dataset (e.g. a small evaluation subset). */
export function subsetDataset(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  split?: string,
): ImageDataset {
  checkDataset('subsetDataset', dataset);
  const order = checkIndices('subsetDataset', indices, dataset.count);
  const size = imageSize(dataset);
  const images = new Uint8Array(order.length * size);
  order.forEach((index, i) =>
    images.set(dataset.images.subarray(index * size, (index + 1) * size), i * size),
  );
  const labels = Uint8Array.from(order, (index) => dataset.labels[index]);
  return { ...dataset, split: split ?? dataset.split, images, labels, count: order.length };
}
