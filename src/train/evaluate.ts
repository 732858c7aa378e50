import * as tf from '@tensorflow/tfjs-core';
import { reduceLoss } from '../losses/reduce.js';
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
  for (const batch of source.epoch(0)) {
    const [feats, preds, loss] = tf.tidy(() => {
      const f = inferFeatures(model, batch.x);
      const p = tf.argMax(model.loss.logits(f), 1);
      return [f, p, reduceLoss(model.loss.perSample(f, batch.y, options.values)).loss];
    });
    const [fv, pv, yv, lv] = await Promise.all([feats.data(), preds.data(), batch.y.data(), loss.data()]);
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
