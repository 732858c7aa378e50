import * as tf from '@tensorflow/tfjs-core';
import { halfSquaredMahalanobis } from '../gm/distance.js';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { mulberry32 } from '../util/random.js';
import { oneHotFloat } from '../util/tensor.js';
import { BASE_OPTION_KEYS, DetectorBaseOptions, FeatureDetector } from './detector.js';

/** Which class's density scores an input. */
export type KdeClassChoice = 'predicted' | 'best';

/** Options of the kernel-density detector. */
export interface KernelDensityOptions extends DetectorBaseOptions {
  /**
   * Gaussian kernel bandwidth h > 0 (kernel exp(-|z - z_i|^2 / (2 h^2))). Default: the median distance between
   * fitted features of the same class (the median heuristic), computed at fit time.
   */
  bandwidth?: number;
  /**
   * 'predicted' (default, Feinman et al.): the density of the class the head predicts (needs a head: options.head
   * or fit(model)); 'best': the class of highest density, for use without a head.
   */
  classChoice?: KdeClassChoice;
  /** At most this many fitted features are kept per class (a seeded random subset). Default 1000, >= 1. */
  maxPerClass?: number;
  /** Seed of the subset. Default 0. */
  seed?: number;
}

/** Rows of each class, at most `max` per class, drawn without replacement by a seeded shuffle. */
function sampleClasses(labels: Int32Array, numClasses: number, max: number, seed: number): number[][] {
  const rows: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((y, i) => rows[y].push(i));
  const rand = mulberry32(seed);
  return rows.map((r) => {
    for (let i = r.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [r[i], r[j]] = [r[j], r[i]];
    }
    return r.slice(0, max);
  });
}

/** Median of the within-class pairwise distances of (at most 100 per class of) the kept features. */
function medianDistance(perClass: tf.Tensor2D[]): number {
  const values: number[] = [];
  for (const z of perClass) {
    const m = Math.min(z.shape[0], 100);
    const half = tf.tidy(() => {
      const s = tf.slice(z, 0, m);
      return halfSquaredMahalanobis(s, s, null);
    });
    const d = half.dataSync();
    half.dispose();
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) values.push(Math.sqrt(2 * d[i * m + j]));
  }
  values.sort((a, b) => a - b);
  return values.length === 0 ? 0 : values[Math.floor(values.length / 2)];
}

/**
 * Kernel density estimate on features (Feinman et al. 2017, "Detecting adversarial samples from artifacts",
 * eq. 1): KDE_k(z) = 1/|X_k| sum_{z_i in X_k} exp(-|z - z_i|^2 / (2 h^2)); score = -log KDE_k(z), computed with
 * log-sum-exp. The kernel's normalising constant is the same for every class and is left out.
 */
export class KernelDensityDetector extends FeatureDetector {
  /** 'kde' with the median-heuristic bandwidth, 'kde-h<h>' with a fixed one (e.g. the follow-up's 'kde-h1.5'). */
  readonly name: string;
  private readonly fixedBandwidth: number | undefined;
  private readonly classChoice: KdeClassChoice;
  private readonly maxPerClass: number;
  private readonly seed: number;
  private perClass: tf.Tensor2D[] = [];
  private bandwidth = 0;

  constructor(options: KernelDensityOptions = {}) {
    const where = 'KernelDensityDetector';
    checkKnownKeys(where, options, [...BASE_OPTION_KEYS, 'bandwidth', 'classChoice', 'maxPerClass', 'seed']);
    super(where, options);
    this.fixedBandwidth =
      options.bandwidth === undefined
        ? undefined
        : numberOption(where, 'options.bandwidth', options.bandwidth, 1, { min: Number.MIN_VALUE });
    this.name = this.fixedBandwidth === undefined ? 'kde' : `kde-h${this.fixedBandwidth}`;
    this.classChoice = choiceOption(
      where,
      'options.classChoice',
      options.classChoice,
      ['predicted', 'best'],
      'predicted',
    );
    this.maxPerClass = numberOption(where, 'options.maxPerClass', options.maxPerClass, 1000, {
      min: 1,
      integer: true,
    });
    this.seed = numberOption(where, 'options.seed', options.seed, 0, { integer: true });
  }

  /** The bandwidth in use (after fitting). */
  get kernelBandwidth(): number {
    return this.bandwidth;
  }

  protected fitImpl(features: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): void {
    const where = `${this.name}.fitFeatures`;
    const rows = sampleClasses(labels.dataSync() as Int32Array, numClasses, this.maxPerClass, this.seed);
    const empty = rows.findIndex((r) => r.length === 0);
    if (empty >= 0) {
      throw new LgmError(
        `${where}: every class in [0, ${numClasses}) must have a sample, got none of class ${empty}`,
      );
    }
    if (this.classChoice === 'predicted')
      tf.tidy(() => {
        this.logitsOf(tf.slice(features, 0, 1));
      });
    this.perClass = rows.map((r) => tf.gather(features, r) as tf.Tensor2D);
    const h = this.fixedBandwidth ?? medianDistance(this.perClass);
    if (!(h > 0)) {
      this.release();
      throw new LgmError(
        `${where}: the median-heuristic bandwidth must be > 0, got ${h}; pass options.bandwidth`,
      );
    }
    this.bandwidth = h;
  }

  protected scoreImpl(features: tf.Tensor2D): tf.Tensor1D {
    // Chunks of rows bound the [rows, |X_k|] distance matrices held at once.
    const parts: tf.Tensor1D[] = [];
    for (let start = 0; start < features.shape[0]; start += this.batchSize) {
      const size = Math.min(this.batchSize, features.shape[0] - start);
      parts.push(tf.tidy(() => this.scoreChunk(tf.slice(features, start, size))));
    }
    return tf.concat(parts);
  }

  private scoreChunk(features: tf.Tensor2D): tf.Tensor1D {
    const inv2h2 = 1 / (this.bandwidth * this.bandwidth);
    // log KDE_k for every class, [N,K]: logsumexp_i(-|z - z_i|^2 / 2h^2) - log |X_k|.
    const logKde = tf.stack(
      this.perClass.map((zk) =>
        tf.sub(
          tf.logSumExp(tf.mul(halfSquaredMahalanobis(features, zk, null), -inv2h2), 1),
          Math.log(zk.shape[0]),
        ),
      ),
      1,
    ) as tf.Tensor2D;
    if (this.classChoice === 'best') return tf.neg(tf.max(logKde, 1)) as tf.Tensor1D;
    const logits = this.logitsOf(features);
    const k = logits.shape[1];
    if (k !== this.perClass.length) {
      throw new LgmError(
        `${this.name}: head must give ${this.perClass.length} logits (the fitted classes), got ${k}`,
      );
    }
    const predicted = oneHotFloat(tf.argMax(logits, 1) as tf.Tensor1D, k);
    return tf.neg(tf.sum(tf.mul(logKde, predicted), 1)) as tf.Tensor1D;
  }

  protected release(): void {
    for (const z of this.perClass) z.dispose();
    this.perClass = [];
  }
}
