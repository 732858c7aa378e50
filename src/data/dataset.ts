/**
 * The in-memory form of every image dataset lgm loads: raw uint8 pixels in NHWC order plus uint8 labels.
 * Keeping the bytes as uint8 (a quarter of float32) is what lets a whole epoch sit in memory while only
 * one batch at a time is converted to float32 (see pipeline.ts).
 */
export interface ImageDataset {
  /** Short name of the dataset, e.g. 'mnist', 'fashion-mnist', 'cifar10', 'cifar100'. */
  name: string;
  /** Which split this is: 'train' or 'test' (or a name given by the caller for subsets). */
  split: string;
  /** Pixels, uint8, row-major [count, height, width, channels] (NHWC). */
  images: Uint8Array;
  /** Class index of each image, in [0, numClasses). */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  /** Human-readable class names (length numClasses) when the source ships them, else generic names. */
  classNames: string[];
  /** Where the data came from (a directory, or 'synthetic'), for logs and config files. */
  source: string;
}

/** The two splits every file-backed dataset has. */
export const SPLITS = ['train', 'test'] as const;
/** A dataset split: train or test. */
export type Split = (typeof SPLITS)[number];

/** Generic class names `0`, `1`, ... for sources that ship none. */
export function numberedClassNames(numClasses: number): string[] {
  return Array.from({ length: numClasses }, (_, k) => String(k));
}

/** Number of pixel values of one image. */
export function imageSize(dataset: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return dataset.height * dataset.width * dataset.channels;
}
