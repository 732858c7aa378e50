import { LgmError } from '../util/errors.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { mulberry32, seededNormal } from '../util/random.js';
import { numberedClassNames, type ImageDataset } from './dataset.js';

/** Options of `gaussianBlobs`. */
export interface BlobsOptions {
  /** Number of points. Required, integer in [1, 10^7]. */
  count: number;
  /** Dimension D of each point. Default 2, integer in [1, 4096]. */
  dim?: number;
  /** Number of classes K. Default 10, integer in [1, 256]. */
  numClasses?: number;
  /** Standard deviation of the class means around the origin. Default 4, in (0, 1e6]. */
  separation?: number;
  /** Standard deviation of the points around their class mean. Default 1, in (0, 1e6]. */
  spread?: number;
  /** Seed of the generator. Default 0, integer in [0, 2^32). */
  seed?: number;
}

/** Points in D dimensions drawn from K isotropic Gaussians, one per class. */
export interface Blobs {
  /** float32 row-major [count, dim]. */
  features: Float32Array;
  /** Class of each point, in [0, numClasses); classes take turns, so any prefix is balanced. */
  labels: Int32Array;
  /** The class means, float32 row-major [numClasses, dim]. */
  means: Float32Array;
  count: number;
  dim: number;
  numClasses: number;
}

const SEED_RANGE = { min: 0, max: 2 ** 32 - 1, integer: true };

/** Seeded Gaussian blobs: mean_k ~ N(0, separation^2 I), x_i ~ N(mean_{y_i}, spread^2 I), y_i = i mod K. */
export function gaussianBlobs(options: BlobsOptions): Blobs {
  const where = 'gaussianBlobs';
  checkKnownKeys(where, options, ['count', 'dim', 'numClasses', 'separation', 'spread', 'seed']);
  const count = requiredCount(where, options?.count, 1e7);
  const dim = integer(where, 'dim', options.dim, 2, 4096);
  const numClasses = integer(where, 'numClasses', options.numClasses, 10, 256);
  const separation = positive(where, 'separation', options.separation, 4);
  const spread = positive(where, 'spread', options.spread, 1);
  const normal = seededNormal(mulberry32(numberOption(where, 'seed', options.seed, 0, SEED_RANGE)));
  const means = Float32Array.from({ length: numClasses * dim }, () => separation * normal());
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % numClasses;
    labels[i] = k;
    for (let d = 0; d < dim; d++) features[i * dim + d] = means[k * dim + d] + spread * normal();
  }
  return { features, labels, means, count, dim, numClasses };
}

/** An integer option in [1, max]. */
function integer(where: string, name: string, value: unknown, fallback: number, max: number): number {
  return numberOption(where, name, value, fallback, { min: 1, max, integer: true });
}

function requiredCount(where: string, value: unknown, max: number): number {
  if (value === undefined) throw new LgmError(`${where}: count must be given, got undefined`);
  return integer(where, 'count', value, 0, max);
}

function positive(where: string, name: string, value: unknown, fallback: number): number {
  const v = numberOption(where, name, value, fallback, { min: 0, max: 1e6 });
  if (v === 0) throw new LgmError(`${where}: ${name} must be a finite number in (0, 1000000], got number 0`);
  return v;
}

/** Options of `syntheticImages`. */
export interface SyntheticImagesOptions {
  /** Number of images. Required, integer in [1, 10^6]. */
  count: number;
  /** Image height. Default 28, integer in [1, 1024]. */
  height?: number;
  /** Image width. Default 28, integer in [1, 1024]. */
  width?: number;
  /** Channels. Default 1, integer in [1, 4]. */
  channels?: number;
  /** Number of classes. Default 10, integer in [1, 256]. */
  numClasses?: number;
  /** Pixel noise amplitude added to the class template, in grey levels. Default 48, in [0, 255]. */
  noise?: number;
  /** Seed of the generator. Default 0, integer in [0, 2^32). */
  seed?: number;
}

/**
 * A learnable image dataset with no files: each class has a random uint8 template and each image is its
 * class template plus uniform noise. For tests, demos and `lgm bench data` when no real data is at hand.
 */
export function syntheticImages(options: SyntheticImagesOptions): ImageDataset {
  const where = 'syntheticImages';
  checkKnownKeys(where, options, ['count', 'height', 'width', 'channels', 'numClasses', 'noise', 'seed']);
  const count = requiredCount(where, options?.count, 1e6);
  const height = integer(where, 'height', options.height, 28, 1024);
  const width = integer(where, 'width', options.width, 28, 1024);
  const channels = integer(where, 'channels', options.channels, 1, 4);
  const numClasses = integer(where, 'numClasses', options.numClasses, 10, 256);
  const noise = numberOption(where, 'noise', options.noise, 48, { min: 0, max: 255 });
  const rand = mulberry32(numberOption(where, 'seed', options.seed, 0, SEED_RANGE));
  const size = height * width * channels;
  const templates = Uint8Array.from({ length: numClasses * size }, () => Math.floor(rand() * 256));
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % numClasses;
    labels[i] = k;
    for (let p = 0; p < size; p++) {
      const v = templates[k * size + p] + Math.round((rand() * 2 - 1) * noise);
      images[i * size + p] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  const name = 'synthetic';
  const classNames = numberedClassNames(numClasses);
  return {
    name,
    split: 'train',
    images,
    labels,
    count,
    height,
    width,
    channels,
    numClasses,
    classNames,
    source: name,
  };
}
