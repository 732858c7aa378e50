import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption } from '../util/options.js';
import { numberedClassNames, SPLITS, type ImageDataset, type Split } from './dataset.js';
import { readable } from './files.js';
import { checkLabelRange } from './labels.js';

/** Options of `loadCifar10`. */
export interface CifarOptions {
  /** Directory of the binary version (cifar-10-batches-bin / cifar-100-binary) or the directory above it. Required. */
  dataDir: string;
  /** 'train' (50000 images) or 'test' (10000 images). Required. */
  split: Split;
}

/** Options of `loadCifar100`. */
export interface Cifar100Options extends CifarOptions {
  /** Which label to use: 'fine' (100 classes) or 'coarse' (20 superclasses). Default 'fine'. */
  labels?: 'fine' | 'coarse';
}

/** One official CIFAR binary layout: records of label byte(s) then 3072 pixels, 1024 each for R, G, B. */
interface CifarLayout {
  name: string;
  where: string;
  subdir: string;
  files: Record<Split, string[]>;
  /** Label bytes before the pixels of each record. */
  labelBytes: number;
  /** Which of the label bytes to use. */
  labelOffset: number;
  numClasses: number;
  /** Text file of class names, one a line, shipped next to the batches. */
  namesFile: string;
  url: string;
}

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

/** The class names of CIFAR-10 (index = label). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const CIFAR10: CifarLayout = {
  name: 'cifar10',
  where: 'loadCifar10',
  subdir: 'cifar-10-batches-bin',
  files: { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'] },
  labelBytes: 1,
  labelOffset: 0,
  numClasses: 10,
  namesFile: 'batches.meta.txt',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
};

function cifar100(labels: 'fine' | 'coarse'): CifarLayout {
  return {
    name: labels === 'fine' ? 'cifar100' : 'cifar100-coarse',
    where: 'loadCifar100',
    subdir: 'cifar-100-binary',
    files: { train: ['train.bin'], test: ['test.bin'] },
    labelBytes: 2,
    labelOffset: labels === 'fine' ? 1 : 0,
    numClasses: labels === 'fine' ? 100 : 20,
    namesFile: `${labels}_label_names.txt`,
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
  };
}

/** The directory holding the split's files: `dataDir/<subdir>` when it has them, else `dataDir` itself. */
async function resolveDir(layout: CifarLayout, dataDir: string, split: Split): Promise<string> {
  for (const dir of [join(dataDir, layout.subdir), dataDir]) {
    const present = await Promise.all(layout.files[split].map((f) => readable(join(dir, f))));
    if (present.every(Boolean)) return dir;
  }
  throw new LgmError(
    `${layout.where}: missing ${split} files in ${dataDir} (or ${join(dataDir, layout.subdir)}): expected ` +
      `${layout.files[split].join(', ')} of the binary version; download ${layout.url} and extract it ` +
      '(the python and matlab versions are not read)',
  );
}

/** Record count of a batch file, checking that its size is a whole number of records. */
async function recordCount(layout: CifarLayout, path: string): Promise<number> {
  const recordBytes = layout.labelBytes + PIXELS;
  const { size } = await stat(path);
  if (size === 0 || size % recordBytes !== 0) {
    throw new LgmError(
      `${layout.where}: ${path} is truncated or not a ${layout.subdir} file: its ${size} bytes are not a ` +
        `positive whole number of ${recordBytes}-byte records (${layout.labelBytes} label byte(s) + 32x32x3 pixels)`,
    );
  }
  return size / recordBytes;
}

/** Copies one file's records into `images` (converting CHW planes to HWC) and `labels`, from record `start`. */
function unpack(
  layout: CifarLayout,
  bytes: Uint8Array,
  images: Uint8Array,
  labels: Uint8Array,
  start: number,
) {
  const recordBytes = layout.labelBytes + PIXELS;
  const n = bytes.length / recordBytes;
  for (let r = 0; r < n; r++) {
    const src = r * recordBytes;
    labels[start + r] = bytes[src + layout.labelOffset];
    const dst = (start + r) * PIXELS;
    const pixels = src + layout.labelBytes;
    for (let p = 0; p < PLANE; p++) {
      images[dst + 3 * p] = bytes[pixels + p];
      images[dst + 3 * p + 1] = bytes[pixels + PLANE + p];
      images[dst + 3 * p + 2] = bytes[pixels + 2 * PLANE + p];
    }
  }
}

/** Class names from the names file shipped next to the batches, when it has one per class. */
async function classNames(layout: CifarLayout, dir: string, fallback: string[]): Promise<string[]> {
  try {
    const names = (await readFile(join(dir, layout.namesFile), 'utf8')).split('\n').map((s) => s.trim());
    const nonEmpty = names.filter((s) => s !== '');
    return nonEmpty.length === layout.numClasses ? nonEmpty : fallback;
  } catch {
    return fallback;
  }
}

async function loadCifar(
  layout: CifarLayout,
  options: Partial<CifarOptions>,
  fallbackNames: string[],
): Promise<ImageDataset> {
  const split = choiceOption(layout.where, 'split', options.split, SPLITS);
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new LgmError(`${layout.where}: dataDir must be a directory path, got ${String(options.dataDir)}`);
  }
  const dir = await resolveDir(layout, options.dataDir, split);
  const paths = layout.files[split].map((f) => join(dir, f));
  const counts = await Promise.all(paths.map((p) => recordCount(layout, p)));
  const count = counts.reduce((a, b) => a + b, 0);
  // Allocating the output first and reading one file at a time keeps the peak at the dataset plus one file.
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let start = 0;
  for (let i = 0; i < paths.length; i++) {
    const bytes = await readFile(paths[i]);
    if (bytes.length !== counts[i] * (layout.labelBytes + PIXELS)) {
      throw new LgmError(`${layout.where}: ${paths[i]} changed size while it was being read`);
    }
    unpack(layout, bytes, images, labels, start);
    checkLabelRange(layout.where, paths[i], labels.subarray(start, start + counts[i]), layout.numClasses);
    start += counts[i];
  }
  return {
    name: layout.name,
    split,
    images,
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: layout.numClasses,
    classNames: await classNames(layout, dir, fallbackNames),
    source: dir,
  };
}

/** Loads one split of CIFAR-10 (32x32 RGB, 10 classes) from the official binary batches in `dataDir`. */
export async function loadCifar10(options: CifarOptions): Promise<ImageDataset> {
  checkKnownKeys('loadCifar10', options, ['dataDir', 'split']);
  return loadCifar(CIFAR10, options ?? {}, CIFAR10_CLASSES);
}

/** Loads one split of CIFAR-100 (32x32 RGB; 100 fine or 20 coarse classes) from the official binary files. */
export async function loadCifar100(options: Cifar100Options): Promise<ImageDataset> {
  checkKnownKeys('loadCifar100', options, ['dataDir', 'split', 'labels']);
  const labels = choiceOption('loadCifar100', 'labels', options?.labels, ['fine', 'coarse'] as const, 'fine');
  const layout = cifar100(labels);
  return loadCifar(layout, options ?? {}, numberedClassNames(layout.numClasses));
}
