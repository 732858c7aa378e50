import { checkIndices } from './check.js';
import type { ImageDataset } from './dataset.js';
import { checkNormalization, normalizationTable, unitScale, type Normalization } from './normalization.js';

/**
 * Random crop after zero padding plus horizontal flip, the standard CIFAR augmentation
 * (He et al. 2016, sec. 4.2: "4 pixels are padded on each side, and a 32x32 crop is randomly sampled
 * from the padded image or its horizontal flip").
 */
export interface Augmentation {
  /** Pixels of black padding on each side before the random crop back to the original size. */
  pad: number;
  /** Whether to flip each image horizontally with probability 1/2. */
  flip: boolean;
}

/**
 * Validates the image selection and normalisation shared by the pipeline and datasetTensors: returns the
 * image order (all images by default) and the normalisation lookup table (pixel/255 by default).
 */
export function prepareSelection(
  where: string,
  dataset: ImageDataset,
  indices: ArrayLike<number> | undefined,
  normalization: Normalization | undefined,
): { order: Uint32Array; table: Float32Array } {
  const order =
    indices === undefined
      ? Uint32Array.from({ length: dataset.count }, (_, i) => i)
      : checkIndices(where, indices, dataset.count);
  const norm = normalization ?? unitScale(dataset.channels);
  checkNormalization(where, norm, dataset.channels);
  return { order, table: normalizationTable(norm, dataset.channels) };
}

/**
 * Writes images `order[from .. from+n)` of `dataset` into `out` (float32 NHWC, length n*H*W*C) through the
 * normalisation table `table` (see normalizationTable). With `augment`, each image is shifted by a random
 * offset in [-pad, pad] per axis (pixels shifted in from outside are black, i.e. pixel 0 before
 * normalisation, as with padding then cropping) and flipped with probability 1/2, drawing from `rand`.
 */
export function fillBatch(
  dataset: ImageDataset,
  order: Uint32Array,
  from: number,
  n: number,
  out: Float32Array,
  table: Float32Array,
  augment?: { spec: Augmentation; rand: () => number },
): void {
  const size = dataset.height * dataset.width * dataset.channels;
  for (let i = 0; i < n; i++) {
    const src = order[from + i] * size;
    if (augment === undefined) copyImage(dataset, src, out, i * size, table);
    else {
      const { pad, flip } = augment.spec;
      const dy = Math.floor(augment.rand() * (2 * pad + 1)) - pad;
      const dx = Math.floor(augment.rand() * (2 * pad + 1)) - pad;
      const mirror = flip && augment.rand() < 0.5;
      shiftImage(dataset, src, out, i * size, table, dy, dx, mirror);
    }
  }
}

function copyImage(
  dataset: ImageDataset,
  src: number,
  out: Float32Array,
  dst: number,
  table: Float32Array,
): void {
  const { images, channels } = dataset;
  const size = dataset.height * dataset.width * channels;
  // Grey and RGB are unrolled: the per-value channel loop was measured slower on RGB batches (docs/performance.md,
  // "Measurements behind code choices").
  if (channels === 1) {
    for (let k = 0; k < size; k++) out[dst + k] = table[images[src + k]];
  } else if (channels === 3) {
    for (let k = 0; k < size; k += 3) {
      out[dst + k] = table[images[src + k]];
      out[dst + k + 1] = table[256 + images[src + k + 1]];
      out[dst + k + 2] = table[512 + images[src + k + 2]];
    }
  } else {
    for (let k = 0; k < size; k += channels) {
      for (let c = 0; c < channels; c++) out[dst + k + c] = table[c * 256 + images[src + k + c]];
    }
  }
}

/** Writes one pixel of black (pixel value 0 in every channel, normalised). */
function black(out: Float32Array, o: number, table: Float32Array, channels: number): void {
  for (let c = 0; c < channels; c++) out[o + c] = table[c * 256];
}

/** out(y, x) = image(y + dy, x' + dx) with x' = W-1-x when mirrored, black outside the image. */
function shiftImage(
  dataset: ImageDataset,
  src: number,
  out: Float32Array,
  dst: number,
  table: Float32Array,
  dy: number,
  dx: number,
  mirror: boolean,
): void {
  const { images, height, width, channels } = dataset;
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    const o = dst + y * row;
    const sy = y + dy;
    if (sy < 0 || sy >= height) {
      for (let x = 0; x < width; x++) black(out, o + x * channels, table, channels);
      continue;
    }
    const s = src + sy * row;
    for (let x = 0; x < width; x++) {
      const sx = (mirror ? width - 1 - x : x) + dx;
      const ox = o + x * channels;
      if (sx < 0 || sx >= width) black(out, ox, table, channels);
      else for (let c = 0; c < channels; c++) out[ox + c] = table[c * 256 + images[s + sx * channels + c]];
    }
  }
}
