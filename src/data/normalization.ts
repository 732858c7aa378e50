import { LgmError } from '../util/errors.js';
import { checkDataset, checkIndices } from './check.js';
import type { ImageDataset } from './dataset.js';

/**
 * Per-channel normalisation x = (pixel / 255 - mean[c]) / std[c]. Means and standard deviations are in
 * units of pixel/255 (e.g. MNIST is about mean 0.1307, std 0.3081).
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

/**
 * Per-channel mean and standard deviation of the images (all, or those at `indices`), in pixel/255 units.
 * Compute it on the training images and pass the same value to every pipeline (train, validation, test).
 */
export function channelStats(dataset: ImageDataset, indices?: ArrayLike<number>): Normalization {
  checkDataset('channelStats', dataset);
  const order = indices === undefined ? undefined : checkIndices('channelStats', indices, dataset.count);
  const c = dataset.channels;
  const size = dataset.height * dataset.width * c;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  const n = order?.length ?? dataset.count;
  for (let i = 0; i < n; i++) {
    const start = (order === undefined ? i : order[i]) * size;
    for (let p = 0; p < size; p++) {
      const v = dataset.images[start + p];
      sum[p % c] += v;
      sumSq[p % c] += v * v;
    }
  }
  const perChannel = (n * size) / c;
  const mean = Array.from(sum, (s) => s / perChannel / 255);
  // Variance from sums is fine here: values are bounded bytes and the sums are exact in float64.
  const std = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(s / perChannel / 65025 - mean[k] ** 2, 0)));
  return { mean, std: std.map((s) => Math.max(s, 1e-6)) };
}

/** The identity scaling: pixel / 255 in [0, 1], for `channels` channels. */
export function unitScale(channels: number): Normalization {
  return { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) };
}

/** Validates a normalisation against a channel count. */
export function checkNormalization(where: string, norm: Normalization, channels: number): void {
  const ok = (xs: unknown) =>
    Array.isArray(xs) && xs.length === channels && xs.every((v) => Number.isFinite(v));
  if (norm === null || typeof norm !== 'object' || !ok(norm.mean) || !ok(norm.std)) {
    throw new LgmError(
      `${where}: normalization must be {mean, std} with ${channels} finite number(s) each, got ${JSON.stringify(norm)}`,
    );
  }
  if (norm.std.some((s) => s <= 0)) {
    throw new LgmError(`${where}: normalization.std must be positive, got [${norm.std.join(', ')}]`);
  }
}

/** Lookup table [channel * 256 + pixel] -> normalised float32 value, so a batch costs one lookup per pixel. */
export function normalizationTable(norm: Normalization, channels: number): Float32Array {
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - norm.mean[c]) / norm.std[c];
  }
  return table;
}
