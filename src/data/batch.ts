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
  const pixels = dataset.height * dataset.width;
  if (channels === 1) {
    for (let p = 0; p < pixels; p++) out[dst + p] = table[images[src + p]];
    return;
  }
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) {
      const k = p * channels + c;
      out[dst + k] = table[c * 256 + images[src + k]];
    }
  }
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
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    const rowInside = sy >= 0 && sy < height;
    for (let x = 0; x < width; x++) {
      const sx = (mirror ? width - 1 - x : x) + dx;
      const inside = rowInside && sx >= 0 && sx < width;
      const o = dst + (y * width + x) * channels;
      const s = src + (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = table[c * 256 + (inside ? images[s + c] : 0)];
    }
  }
}
