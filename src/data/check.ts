import { LgmError } from '../util/errors.js';
import { imageSize, type ImageDataset } from './dataset.js';

/** Validates a dataset object (e.g. one built by a caller): sizes agree and every label is in range. */
export function checkDataset(where: string, dataset: ImageDataset): void {
  if (dataset === null || typeof dataset !== 'object' || !(dataset.images instanceof Uint8Array)) {
    throw new LgmError(`${where}: dataset must be an ImageDataset with uint8 images, got ${typeof dataset}`);
  }
  const { count, height, width, channels, numClasses } = dataset;
  for (const [name, value] of Object.entries({ count, height, width, channels, numClasses })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new LgmError(`${where}: dataset.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  const size = imageSize(dataset);
  if (dataset.images.length !== count * size) {
    throw new LgmError(
      `${where}: dataset.images must hold count*height*width*channels = ${count * size} bytes, ` +
        `got ${dataset.images.length}`,
    );
  }
  if (!(dataset.labels instanceof Uint8Array) || dataset.labels.length !== count) {
    throw new LgmError(`${where}: dataset.labels must be a Uint8Array of length ${count}`);
  }
  const bad = dataset.labels.findIndex((label) => label >= numClasses);
  if (bad >= 0) {
    throw new LgmError(
      `${where}: dataset labels must be in [0, ${numClasses}), got ${dataset.labels[bad]} at index ${bad}`,
    );
  }
}

/**
 * Validates a list of image indices into a dataset of `count` images and returns them as a Uint32Array
 * (a copy, so the caller may reuse its array).
 */
export function checkIndices(where: string, indices: ArrayLike<number>, count: number): Uint32Array {
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
    throw new LgmError(`${where}: indices must be an array of image indices, got ${typeof indices}`);
  }
  if (indices.length === 0) throw new LgmError(`${where}: indices must not be empty`);
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= count) {
      throw new LgmError(
        `${where}: indices must be integers in [0, ${count}), got ${String(v)} at position ${i}`,
      );
    }
    out[i] = v;
  }
  return out;
}
