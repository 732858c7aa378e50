/**
 * An exported lgm model in use: `loadLgmModel(url or path)` then `predict(images)`. The same code runs in Node
 * and in browsers (no Node imports on the browser path), so both give the same numbers for the same pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GaussianMixtureLayer } from '../layers/gaussian-mixture.js';
import { releaseFoldedWeights, withFoldedInference } from '../nets/folded-inference.js';
import { classLogDensity } from '../gm/density.js';
import { LgmError, describe } from '../util/errors.js';
import { oneHotFloat } from '../util/tensor.js';
import { type LgmModelMetadata, readLgmMetadata } from './metadata.js';

/** What the model says about one image. */
export interface LgmPrediction {
  /** The predicted class (argmax of the posterior). */
  class: number;
  /** p(k | x) for every class k. */
  posterior: number[];
  /** L-GM head: log N(f; mu_k, Sigma_k) of the feature under the predicted class k; softmax head: null. */
  logLikelihood: number | null;
  /** What the flag thresholds: logLikelihood (L-GM) or log max_k p(k | x) (softmax). */
  score: number;
  /** score below the calibrated threshold (NaN counts as unfamiliar). */
  unfamiliar: boolean;
}

/** The batch as tensors (the caller disposes them): for code that stays on the backend. */
export interface LgmPredictionTensors {
  features: tf.Tensor2D;
  /** Inference logits [N,K] (no margin): softmax of these is the posterior. */
  logits: tf.Tensor2D;
  posterior: tf.Tensor2D;
  classes: tf.Tensor1D;
  score: tf.Tensor1D;
}

/** The lower `rate` quantile of `values` (index floor(rate (n - 1)) of the sorted values): the flag threshold. */
export function lowerQuantile(values: ArrayLike<number>, rate: number): number {
  if (!(rate > 0 && rate < 1)) throw new LgmError(`lowerQuantile: rate must be in (0, 1), got ${rate}`);
  if (values.length === 0) throw new LgmError('lowerQuantile: values must not be empty, got none');
  // NaN sorts last in a typed array: a NaN score never lowers the threshold.
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(rate * (sorted.length - 1))];
}

/** A loaded lgm export: the TF.js model, its metadata and the feature extractor cut at the head's input. */
export class LgmModel {
  /** Images (normalised) -> features, sharing the model's weights. */
  private readonly featureModel: tfl.LayersModel;
  private readonly head: tfl.layers.Layer;

  constructor(
    /** The whole model: normalised images -> inference logits. */
    readonly model: tfl.LayersModel,
    readonly metadata: LgmModelMetadata,
  ) {
    let head: tfl.layers.Layer;
    try {
      head = model.getLayer(metadata.headLayer);
    } catch {
      throw new LgmError(
        `LgmModel: the model must have a layer '${metadata.headLayer}' (metadata.headLayer), got ${model.layers.map((l) => l.name).join(', ')}`,
      );
    }
    if (metadata.head === 'lgm' && !(head instanceof GaussianMixtureLayer)) {
      throw new LgmError(
        `LgmModel: layer '${head.name}' must be a GaussianMixture layer, got ${head.getClassName()}`,
      );
    }
    this.head = head;
    // The head is applied once in the model, so its input is the feature tensor of the model's graph. Batch norms
    // run folded into their convolutions (a ResNet's inference: one fused convolution each).
    this.featureModel = withFoldedInference(
      tfl.model({ inputs: model.inputs, outputs: head.input as tfl.SymbolicTensor }),
    );
  }

  /** The L-GM head, or null for a softmax model. */
  get mixtureHead(): GaussianMixtureLayer | null {
    return this.head instanceof GaussianMixtureLayer ? this.head : null;
  }

  /** The network up to the head: normalised images -> features [N, D] (shares the model's weights). */
  get featureNetwork(): tfl.LayersModel {
    return this.featureModel;
  }

  /** Shape of one input image. */
  get inputShape(): number[] {
    return this.metadata.inputShape;
  }

  private batchOf(images: tf.Tensor): tf.Tensor {
    const shape = this.metadata.inputShape;
    const single = images.shape.join(',') === shape.join(',');
    if (!single && images.shape.slice(1).join(',') !== shape.join(',')) {
      throw new LgmError(
        `LgmModel.predict: images must be [N,${shape.join(',')}] or [${shape.join(',')}] pixels / 255 in [0, 1], got ${describe(images)}`,
      );
    }
    return single ? tf.expandDims(images, 0) : images;
  }

  /** Features of pixels / 255, [N, ...inputShape] -> [N, D]: normalised as in training, then the network. */
  features(images: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const { mean, std } = this.metadata.normalization;
      const x = tf.div(tf.sub(tf.cast(this.batchOf(images), 'float32'), tf.tensor1d(mean)), tf.tensor1d(std));
      return this.featureModel.apply(x, { training: false }) as tf.Tensor2D;
    });
  }

  /** Inference logits of features [N, D] -> [N, K]. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.head.apply(features) as tf.Tensor2D);
  }

  /** The familiarity score of features given their logits (see LgmPrediction.score). */
  private scoreOf(features: tf.Tensor2D, logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
    const gm = this.mixtureHead;
    if (gm === null) return tf.max(tf.logSoftmax(logits), 1) as tf.Tensor1D;
    const density = classLogDensity(features, gm.params(), {
      covariance: gm.covariance,
      minLogVariance: gm.minLogVariance,
      checkValues: false,
    });
    return tf.sum(tf.mul(density, oneHotFloat(classes, this.metadata.numClasses)), 1) as tf.Tensor1D;
  }

  /** Every output of a batch of pixels / 255 as tensors, the caller disposes them. */
  predictTensors(images: tf.Tensor): LgmPredictionTensors {
    return tf.tidy(() => {
      const features = this.features(images);
      const logits = this.logits(features);
      const classes = tf.argMax(logits, 1) as tf.Tensor1D;
      const score = this.scoreOf(features, logits, classes);
      return { features, logits, posterior: tf.softmax(logits) as tf.Tensor2D, classes, score };
    });
  }

  /**
   * Class, posterior, log-likelihood and the unfamiliar flag of each image. `images`: pixels / 255 in [0, 1],
   * [N, ...inputShape] or one image [...inputShape]. Runs in batches of `batchSize` (default 256).
   */
  async predict(images: tf.Tensor, options: { batchSize?: number } = {}): Promise<LgmPrediction[]> {
    const batchSize = options.batchSize ?? 256;
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new LgmError(`LgmModel.predict: batchSize must be an integer >= 1, got ${batchSize}`);
    const batch = this.batchOf(images);
    const n = batch.shape[0];
    const out: LgmPrediction[] = [];
    const lgm = this.metadata.head === 'lgm';
    try {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const part = tf.slice(batch, start, size);
        const t = this.predictTensors(part);
        const [posterior, classes, score] = await Promise.all([
          t.posterior.data(),
          t.classes.data(),
          t.score.data(),
        ]);
        tf.dispose([part, t.features, t.logits, t.posterior, t.classes, t.score]);
        const K = this.metadata.numClasses;
        for (let i = 0; i < size; i++) {
          out.push({
            class: classes[i],
            posterior: Array.from(posterior.subarray(i * K, (i + 1) * K)),
            logLikelihood: lgm ? score[i] : null,
            score: score[i],
            unfamiliar: !(score[i] >= this.metadata.threshold),
          });
        }
      }
    } finally {
      if (batch !== images) batch.dispose();
    }
    return out;
  }

  /** Frees the weights. */
  dispose(): void {
    // The feature model shares the whole model's layers: only its folded weights are its own.
    releaseFoldedWeights(this.featureModel);
    this.model.dispose();
  }
}

/** Where a model can be loaded from: a URL or path of its model.json (or directory), an IOHandler, or files. */
export type LgmModelSource = string | tf.io.IOHandler | File[];

const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
const inNode = () => typeof globalThis.process?.versions?.node === 'string' && typeof window === 'undefined';

/** A handler for a path or file:// URL in Node, from src/io (loaded only here, never in a browser bundle). */
async function nodeFileHandler(path: string): Promise<tf.io.IOHandler> {
  // A computed specifier: bundlers do not follow it, so browser bundles never see node:fs.
  const module = '../io/file-system.js';
  const io = (await import(/* @vite-ignore */ module)) as typeof import('../io/file-system.js');
  const dir = path.replace(/^file:\/\//, '').replace(/\/model\.json$/, '');
  return io.fileSystem(dir);
}

async function handlerFor(source: LgmModelSource): Promise<{ handler: tf.io.IOHandler; name: string }> {
  if (Array.isArray(source)) {
    const json = source.filter((f) => f.name.endsWith('.json'));
    if (json.length !== 1) {
      throw new LgmError(
        `loadLgmModel: files must be one model.json and its weights file(s), got ${source.map((f) => f.name).join(', ') || 'none'}`,
      );
    }
    return {
      handler: tf.io.browserFiles([json[0], ...source.filter((f) => f !== json[0])]),
      name: json[0].name,
    };
  }
  if (typeof source !== 'string') return { handler: source, name: 'the IOHandler' };
  if (inNode() && (!hasScheme(source) || source.startsWith('file://')))
    return { handler: await nodeFileHandler(source), name: source };
  const url = source.endsWith('/') ? `${source}model.json` : source;
  const handlers = tf.io.getLoadHandlers(url);
  if (handlers.length === 0) return { handler: tf.io.http(url), name: url };
  return { handler: handlers[0], name: url };
}

/**
 * Loads a model written by `lgm export`: in Node a directory path or file:// URL, in a browser a URL of its
 * model.json (or directory, ending in /), files from a file picker, or any TF.js IOHandler.
 *
 * ```ts
 * const m = await loadLgmModel('pretrained/mnist-lgm-2d');
 * const [p] = await m.predict(image); // image: pixels / 255, [28, 28, 1]
 * p.class, p.posterior, p.logLikelihood, p.unfamiliar;
 * ```
 */
export async function loadLgmModel(source: LgmModelSource): Promise<LgmModel> {
  const { handler, name } = await handlerFor(source);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(handler);
  } catch (error) {
    if (error instanceof LgmError) throw error;
    throw new LgmError(`loadLgmModel: cannot load ${name}: ${(error as Error).message}`);
  }
  try {
    return new LgmModel(model, readLgmMetadata(model.getUserDefinedMetadata(), name));
  } catch (error) {
    model.dispose();
    throw error;
  }
}
