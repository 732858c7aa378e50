import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import { LgmError, describe } from '../util/errors.js';
import { checkFeatures, checkFinite, checkLabels } from '../gm/params.js';
import { numberOption } from '../util/options.js';

/** Labelled inputs a detector is fitted on (normally the model's training set, or a part of it). */
export interface DetectionData {
  /** Inputs [N, ...inputShape], float32. */
  inputs: tf.Tensor;
  /** Class labels, int32 [N]. */
  labels: tf.Tensor1D;
}

/** A head mapping features [N,D] to logits [N,K] (a Classifier's `logits`). */
export type LogitsHead = (features: tf.Tensor2D) => tf.Tensor2D;

/**
 * One interface for every abnormal-input detector. Scores are host arrays, one per input; higher means more
 * anomalous. Fitting twice replaces the first fit. Call `dispose()` to free the tensors a detector holds.
 */
export interface Detector {
  /** Short name used in tables, e.g. 'mahalanobis'. */
  readonly name: string;
  /** Whether fitFeatures or fit has run. */
  readonly fitted: boolean;
  /** Fits on features [N,D] float32 and labels [N] int32 of (clean) training inputs. */
  fitFeatures(features: tf.Tensor2D, labels: tf.Tensor1D): void;
  /** Anomaly scores of features [N,D] (same D as the fit); a score that overflowed is MOST_ANOMALOUS. */
  scoreFeatures(features: tf.Tensor2D): Float32Array;
  /** Fits on a model's features of `data` (and takes the model's head for detectors that need logits). */
  fit(model: Classifier, data: DetectionData): void;
  /** Anomaly scores of inputs, through `model` (features in batches). */
  score(model: Classifier, inputs: tf.Tensor): Float32Array;
  /** Frees the tensors held by the detector; it must be fitted again before use. */
  dispose(): void;
}

/** Options every detector accepts. */
export interface DetectorBaseOptions {
  /** Logits head for detectors that look at predictions or logits; fit(model) sets it. Default none. */
  head?: LogitsHead;
  /** Batch size of model-level fit/score, an integer >= 1. Default 256. */
  batchSize?: number;
}

export const BASE_OPTION_KEYS = ['head', 'batchSize'] as const;

/** The score of an input whose score overflowed: the largest float32, above every finite score. */
export const MOST_ANOMALOUS = 3.4028234663852886e38;

/** Runs `fn` on consecutive row slices of `inputs` (each slice disposed after use). */
export function forEachBatch(inputs: tf.Tensor, batchSize: number, fn: (batch: tf.Tensor) => void): void {
  const n = inputs.shape[0];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const batch = tf.slice(inputs, start, size);
    try {
      fn(batch);
    } finally {
      batch.dispose();
    }
  }
}

/** Features of `inputs` through `model`, computed in batches, as one [N,D] tensor. */
export function batchedFeatures(model: Classifier, inputs: tf.Tensor, batchSize: number): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  try {
    forEachBatch(inputs, batchSize, (batch) => parts.push(tf.tidy(() => model.features(batch))));
    return tf.concat(parts, 0);
  } finally {
    for (const p of parts) p.dispose();
  }
}

/**
 * Shared plumbing: validation, the fitted state, model-level fit/score by batches. Subclasses implement
 * `fitImpl` (features and labels already validated) and `scoreImpl` (inside tf.tidy, returns [N]).
 */
export abstract class FeatureDetector implements Detector {
  abstract readonly name: string;
  protected head: LogitsHead | undefined;
  protected readonly batchSize: number;
  private width: number | null = null;

  constructor(where: string, options: DetectorBaseOptions) {
    if (options.head !== undefined && typeof options.head !== 'function') {
      throw new LgmError(
        `${where}: options.head must be a function of features, got ${describe(options.head)}`,
      );
    }
    this.head = options.head;
    this.batchSize = numberOption(where, 'options.batchSize', options.batchSize, 256, {
      min: 1,
      integer: true,
    });
  }

  get fitted(): boolean {
    return this.width !== null;
  }

  /** Learns from validated features and labels; `numClasses` = max label + 1. */
  protected abstract fitImpl(features: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): void;
  /** Anomaly scores [N] of validated features (runs inside tf.tidy). */
  protected abstract scoreImpl(features: tf.Tensor2D): tf.Tensor1D;
  /** Frees what fitImpl stored. */
  protected abstract release(): void;

  fitFeatures(features: tf.Tensor2D, labels: tf.Tensor1D): void {
    const where = `${this.name}.fitFeatures`;
    checkFeatures(where, features);
    const [n, d] = features.shape;
    if (n < 1 || d < 1)
      throw new LgmError(`${where}: features must have N >= 1 and D >= 1, got ${describe(features)}`);
    checkFinite(where, 'features', features);
    checkLabels(where, labels, n, Infinity);
    const numClasses = tf.tidy(() => tf.max(labels).dataSync()[0]) + 1;
    this.release();
    this.width = null;
    this.fitImpl(features, labels, numClasses);
    this.width = d;
  }

  scoreFeatures(features: tf.Tensor2D): Float32Array {
    const where = `${this.name}.scoreFeatures`;
    if (this.width === null) {
      throw new LgmError(
        `${where}: detector must be fitted first (fitFeatures or fit), got an unfitted detector`,
      );
    }
    checkFeatures(where, features, this.width);
    if (features.shape[0] === 0) return new Float32Array(0);
    checkFinite(where, 'features', features);
    const scores = tf.tidy(() => this.scoreImpl(features));
    try {
      // Features far outside the training data can overflow float32 on the way (NaN or +-Infinity): such an
      // input is the most anomalous of all, never less anomalous because the arithmetic overflowed.
      return Float32Array.from(scores.dataSync(), (s) => (Number.isFinite(s) ? s : MOST_ANOMALOUS));
    } finally {
      scores.dispose();
    }
  }

  fit(model: Classifier, data: DetectionData): void {
    const where = `${this.name}.fit`;
    checkData(where, model, data);
    this.head = (z) => model.logits(z);
    const features = batchedFeatures(model, data.inputs, this.batchSize);
    try {
      this.fitFeatures(features, data.labels);
    } finally {
      features.dispose();
    }
  }

  score(model: Classifier, inputs: tf.Tensor): Float32Array {
    checkInputs(`${this.name}.score`, model, inputs);
    const saved = this.head;
    this.head = (z) => model.logits(z);
    const out = new Float32Array(inputs.shape[0]);
    let offset = 0;
    try {
      forEachBatch(inputs, this.batchSize, (batch) => {
        const z = tf.tidy(() => model.features(batch));
        try {
          out.set(this.scoreFeatures(z), offset);
        } finally {
          z.dispose();
        }
        offset += batch.shape[0];
      });
    } finally {
      this.head = saved;
    }
    return out;
  }

  dispose(): void {
    this.release();
    this.width = null;
  }

  /** Logits of features through the head, or a clear error when there is none. */
  protected logitsOf(features: tf.Tensor2D): tf.Tensor2D {
    if (this.head === undefined) {
      throw new LgmError(
        `${this.name}: a logits head is needed (pass options.head, or use fit(model, data)), got none`,
      );
    }
    return this.head(features);
  }
}

/** Checks inputs against a model's input shape: float32 [N, ...inputShape]. */
export function checkInputs(where: string, model: Classifier, inputs: unknown): tf.Tensor {
  const shape = model.inputShape;
  const ok =
    inputs instanceof tf.Tensor &&
    inputs.dtype === 'float32' &&
    inputs.rank === shape.length + 1 &&
    shape.every((s, i) => inputs.shape[i + 1] === s);
  if (!ok) {
    throw new LgmError(
      `${where}: inputs must be float32 of shape [N,${shape.join(',')}], got ${describe(inputs)}`,
    );
  }
  return inputs;
}

function checkData(where: string, model: Classifier, data: DetectionData): void {
  if (data === null || typeof data !== 'object') {
    throw new LgmError(`${where}: data must be an object {inputs, labels}, got ${describe(data)}`);
  }
  const inputs = checkInputs(where, model, data.inputs);
  checkLabels(where, data.labels, inputs.shape[0], model.numClasses);
}
