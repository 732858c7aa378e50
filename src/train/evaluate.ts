import * as tf from '@tensorflow/tfjs-core';
import { reduceLoss } from '../losses/reduce.js';
import { LgmError } from '../util/errors.js';
import type { LossStepValues } from '../losses/module.js';
import type { BatchSource } from './data.js';
import { TrainableModel, inferFeatures } from './model.js';

/** Statistics of one class's test features. */
export interface ClassStats {
  label: number;
  count: number;
  /** Fraction of this class's samples predicted correctly (recall). */
  accuracy: number;
  /** Mean feature vector [D]. */
  mean: number[];
  /** Per-dimension standard deviation [D]. */
  std: number[];
}

/** The result of evaluating a model on a source. */
export interface Evaluation {
  count: number;
  accuracy: number;
  /** Mean training objective (with the given alpha/lambda) over the set. */
  loss: number;
  /** confusion[true][predicted] counts, [K][K]. */
  confusion: number[][];
  perClass: ClassStats[];
  /** The first `maxFeatures` samples' labels, predictions and features (row-major [n, D]). */
  labels: number[];
  predictions: number[];
  features: number[][];
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Loss schedule values for the reported loss. Default: the loss's own defaults. */
  values?: LossStepValues;
  /** Keep labels/predictions/features of at most this many samples (>= 0). Default 10000. */
  maxFeatures?: number;
}

/** Runs the model in inference mode over every batch of `source` (epoch 0, stored order for test sources). */
export async function evaluate(
  model: TrainableModel,
  source: BatchSource,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const maxFeatures = options.maxFeatures ?? 10000;
  const k = model.numClasses;
  const d = model.featureDim;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const sums = Array.from({ length: k }, () => new Float64Array(d));
  const squares = Array.from({ length: k }, () => new Float64Array(d));
  const out = { labels: [] as number[], predictions: [] as number[], features: [] as number[][] };
  let lossSum = 0;
  let count = 0;
  let checked = false;
  for (const batch of source.epoch(0)) {
    // The labels are read back first (the loop needs them on the host anyway) and checked there, so that no
    // batch reaches the loss with a label out of range. The loss checks the rest (shapes, finite features and
    // mixture) on the first batch only: the model is the same for every batch, and those checks read tensors
    // back. Later batches run the loss's unchecked compute methods.
    const yv = await batch.y.data();
    const bad = yv.find((y) => !(y >= 0 && y < k));
    if (bad !== undefined) {
      tf.dispose([batch.x, batch.y]);
      throw new LgmError(`evaluate: labels must be in [0, ${k}), got ${bad}`);
    }
    const [feats, preds, loss] = tf.tidy(() => {
      const f = inferFeatures(model, batch.x);
      const logits = checked ? model.loss.computeLogits(f) : model.loss.logits(f);
      const perSample = checked
        ? model.loss.computePerSample(f, batch.y, options.values)
        : model.loss.perSample(f, batch.y, options.values);
      return [f, tf.argMax(logits, 1), reduceLoss(perSample).loss];
    });
    checked = true;
    const [fv, pv, lv] = await Promise.all([feats.data(), preds.data(), loss.data()]);
    tf.dispose([feats, preds, loss, batch.x, batch.y]);
    const n = yv.length;
    lossSum += lv[0] * n;
    for (let i = 0; i < n; i++) {
      const y = yv[i];
      confusion[y][pv[i]]++;
      const row = Array.from(fv.subarray(i * d, (i + 1) * d));
      row.forEach((v, j) => {
        sums[y][j] += v;
        squares[y][j] += v * v;
      });
      if (out.labels.length < maxFeatures) {
        out.labels.push(y);
        out.predictions.push(pv[i]);
        out.features.push(row);
      }
    }
    count += n;
  }
  const correct = confusion.reduce((s, row, y) => s + row[y], 0);
  const perClass = confusion.map((row, y) => {
    const n = row.reduce((a, b) => a + b, 0);
    const mean = Array.from(sums[y], (s) => (n === 0 ? 0 : s / n));
    const std = Array.from(squares[y], (s, j) =>
      n === 0 ? 0 : Math.sqrt(Math.max(s / n - mean[j] ** 2, 0)),
    );
    return { label: y, count: n, accuracy: n === 0 ? 0 : row[y] / n, mean, std };
  });
  return {
    count,
    accuracy: count === 0 ? 0 : correct / count,
    loss: count === 0 ? 0 : lossSum / count,
    confusion,
    perClass,
    ...out,
  };
}
