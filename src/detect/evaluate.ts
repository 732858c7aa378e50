import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import type { Detector } from './detector.js';
import { DetectionMetrics, RocCurve } from './metrics.js';

/** An input set to compare against the clean inputs: its features and, for adversarial sets, the attack's rate. */
export interface InputSet {
  /** Name in the table, e.g. 'fgsm' or 'fashion-mnist'. */
  name: string;
  /** Features of the set's inputs, [M, D]. */
  features: tf.Tensor2D;
  /** Success rate of the attack that made the set (adversarial sets only). */
  attackSuccessRate?: number | null;
  /**
   * Features of the clean inputs this set is compared with, [M', D] (e.g. the correctly classified images that
   * were attacked); absent: the clean features given to evaluateDetectors.
   */
  clean?: tf.Tensor2D;
}

/** One row of the detection table (the run-directory contract's detection.json row). */
export interface DetectionRow {
  detector: string;
  inputSet: string;
  auroc: number;
  auprIn: number;
  auprOut: number;
  fpr95: number;
  detectionAccuracy: number;
  attackSuccessRate?: number | null;
  numClean: number;
  numAnomalous: number;
}

/** detection.json: the table and one ROC curve per row (at most 200 points each). */
export interface DetectionReport {
  rows: DetectionRow[];
  curves: (RocCurve & { detector: string; inputSet: string })[];
}

/**
 * Scores clean features and every input set with every (already fitted) detector and computes the metrics of
 * each detector x set pair, clean inputs being the negatives of the detection task.
 */
export function evaluateDetectors(
  detectors: readonly Detector[],
  cleanFeatures: tf.Tensor2D,
  sets: readonly InputSet[],
): DetectionReport {
  if (detectors.length === 0 || sets.length === 0) {
    throw new LgmError(
      `evaluateDetectors: needs at least one detector and one input set, got ${detectors.length} and ${sets.length}`,
    );
  }
  const report: DetectionReport = { rows: [], curves: [] };
  for (const detector of detectors) {
    const clean = detector.scoreFeatures(cleanFeatures);
    for (const set of sets) {
      const metrics = new DetectionMetrics()
        .addClean(set.clean === undefined ? clean : detector.scoreFeatures(set.clean))
        .addAnomalous(detector.scoreFeatures(set.features));
      const r = metrics.compute();
      const row: DetectionRow = { detector: detector.name, inputSet: set.name, ...r };
      if (set.attackSuccessRate !== undefined) row.attackSuccessRate = set.attackSuccessRate;
      report.rows.push(row);
      report.curves.push({ detector: detector.name, inputSet: set.name, ...metrics.rocCurve(200) });
    }
  }
  return report;
}

const pct = (v: number) => (100 * v).toFixed(1).padStart(6);

/** The table as text: one line per detector x input set, metrics in percent. */
export function formatDetectionTable(rows: readonly DetectionRow[]): string {
  const dw = Math.max(8, ...rows.map((r) => r.detector.length));
  const sw = Math.max(9, ...rows.map((r) => r.inputSet.length));
  const header = `${'detector'.padEnd(dw)}  ${'input set'.padEnd(sw)}   AUROC AUPRin AUPRout  FPR95 DetAcc  attack`;
  const lines = rows.map((r) => {
    const rate =
      r.attackSuccessRate === undefined || r.attackSuccessRate === null ? '     -' : pct(r.attackSuccessRate);
    const m = [r.auroc, r.auprIn, r.auprOut, r.fpr95, r.detectionAccuracy].map(pct);
    return `${r.detector.padEnd(dw)}  ${r.inputSet.padEnd(sw)}  ${m[0]} ${m[1]}  ${m[2]} ${m[3]} ${m[4]}  ${rate}`;
  });
  return [header, ...lines].join('\n');
}
