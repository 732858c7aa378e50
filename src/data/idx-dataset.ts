import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { numberedClassNames, SPLITS, type ImageDataset, type Split } from './dataset.js';
import { firstExisting, readMaybeGzip } from './files.js';
import { idxSize, parseIdx } from './idx.js';
import { checkLabelRange } from './labels.js';

/** Options of `loadIdxDataset`. */
export interface IdxDatasetOptions {
  /** Directory holding the standard IDX files (plain or .gz). Required. */
  dataDir: string;
  /** 'train' (train-*-ubyte files) or 'test' (t10k-*-ubyte files). Required. */
  split: Split;
  /** Name recorded in the dataset. Default 'idx'. */
  name?: string;
  /** Number of classes; every label must be in [0, numClasses). Default 10, range [1, 256]. */
  numClasses?: number;
  /** Required image height, or undefined to accept the file's. Default undefined, range [1, 65535]. */
  height?: number;
  /** Required image width, or undefined to accept the file's. Default undefined, range [1, 65535]. */
  width?: number;
  /** Class names (length numClasses). Default '0', '1', ... */
  classNames?: string[];
  /** Extra text appended to a missing-file error: how to get the files. Default none. */
  installHint?: string;
}

const KEYS = [
  'dataDir',
  'split',
  'name',
  'numClasses',
  'height',
  'width',
  'classNames',
  'installHint',
] as const;

/** File names tried for each part of a split, in order: the official names, the common dotted variant, .gz. */
function candidates(split: Split, part: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const rank = part === 'images' ? 3 : 1;
  const bases = [`${prefix}-${part}-idx${rank}-ubyte`, `${prefix}-${part}.idx${rank}-ubyte`];
  return bases.flatMap((base) => [base, `${base}.gz`]);
}

async function locate(where: string, dir: string, split: Split, part: 'images' | 'labels', hint?: string) {
  const names = candidates(split, part);
  const path = await firstExisting(dir, names);
  if (path === undefined) {
    throw new LgmError(
      `${where}: missing ${split} ${part} in ${dir}: expected one of ${names.join(', ')}` +
        (hint === undefined ? '' : `; ${hint}`),
    );
  }
  return path;
}

/** Validates a [N, H, W] image header against the required size. */
function checkImageShape(
  where: string,
  file: string,
  shape: number[],
  height?: number,
  width?: number,
): void {
  const [, h, w] = shape;
  if ((height !== undefined && h !== height) || (width !== undefined && w !== width) || h === 0 || w === 0) {
    const want = `${height ?? 'H'}x${width ?? 'W'}`;
    throw new LgmError(
      `${where}: ${file} has wrong dimensions: expected images of ${want} pixels, got shape [${shape.join(',')}]`,
    );
  }
}

function plain(view: Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.length);
}

/**
 * Loads one split of an MNIST-style dataset from a directory of IDX files (plain or gzipped), checking
 * magic numbers, truncation, image size, image/label counts and label range; every error names the file.
 */
export async function loadIdxDataset(
  options: IdxDatasetOptions,
  where = 'loadIdxDataset',
): Promise<ImageDataset> {
  checkKnownKeys(where, options, KEYS);
  if (typeof options?.dataDir !== 'string' || options.dataDir === '') {
    throw new LgmError(`${where}: dataDir must be a directory path, got ${String(options.dataDir)}`);
  }
  const split = choiceOption(where, 'split', options.split, SPLITS);
  const numClasses = numberOption(where, 'numClasses', options.numClasses, 10, {
    min: 1,
    max: 256,
    integer: true,
  });
  const size = { min: 1, max: 65535, integer: true };
  const height =
    options.height === undefined ? undefined : numberOption(where, 'height', options.height, 0, size);
  const width =
    options.width === undefined ? undefined : numberOption(where, 'width', options.width, 0, size);
  const classNames = options.classNames ?? numberedClassNames(numClasses);
  if (classNames.length !== numClasses) {
    throw new LgmError(`${where}: classNames must have ${numClasses} entries, got ${classNames.length}`);
  }

  const imageFile = await locate(where, options.dataDir, split, 'images', options.installHint);
  const labelFile = await locate(where, options.dataDir, split, 'labels', options.installHint);
  const images = parseIdx(where, imageFile, await readMaybeGzip(where, imageFile, idxSize(3)), 3);
  checkImageShape(where, imageFile, images.shape, height, width);
  const labels = parseIdx(where, labelFile, await readMaybeGzip(where, labelFile, idxSize(1)), 1);
  const count = images.shape[0];
  if (count === 0) throw new LgmError(`${where}: ${imageFile} holds no images`);
  if (labels.shape[0] !== count) {
    throw new LgmError(
      `${where}: image/label count mismatch: ${imageFile} holds ${count} images, ` +
        `${labelFile} holds ${labels.shape[0]} labels`,
    );
  }
  checkLabelRange(where, labelFile, labels.data, numClasses);
  return {
    name: options.name ?? 'idx',
    split,
    images: plain(images.data),
    labels: plain(labels.data),
    count,
    height: images.shape[1],
    width: images.shape[2],
    channels: 1,
    numClasses,
    classNames,
    source: options.dataDir,
  };
}
