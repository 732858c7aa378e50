/**
 * What a model written by `lgm export` does on the app's test digits, computed by lgm's own loader
 * (loadLgmModel's predict, the same code Node runs): so a user, and the browser test, can compare the page's
 * numbers with Node's for the same pixels.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LgmModel } from 'lgm/core';

export interface ExportCheck {
  count: number;
  /** Fraction of the digits whose predicted class is the label. */
  accuracy: number;
  /** Digits flagged unfamiliar at the export's own threshold. */
  flagged: number;
  /** Predicted class of each digit. */
  classes: number[];
  /** The familiarity score of each digit (log-likelihood under the predicted class for L-GM). */
  scores: number[];
}

/** Predicts `images` (pixels / 255, [N,28,28,1]) with the export and compares with `labels`. */
export async function exportCheck(
  exported: LgmModel,
  images: tf.Tensor4D,
  labels: ArrayLike<number>,
): Promise<ExportCheck> {
  const predictions = await exported.predict(images);
  const correct = predictions.filter((p, i) => p.class === labels[i]).length;
  return {
    count: predictions.length,
    accuracy: correct / predictions.length,
    flagged: predictions.filter((p) => p.unfamiliar).length,
    classes: predictions.map((p) => p.class),
    scores: predictions.map((p) => p.score),
  };
}
