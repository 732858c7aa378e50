import * as tf from '@tensorflow/tfjs-core';
import { attackedRows, successfulRows } from '../attacks/run.js';
import type { Classifier } from '../nets/classifier.js';
import { LgmError } from '../util/errors.js';
import { type Detector, batchedFeatures } from './detector.js';
import { type DetectionReport, type InputSet, evaluateDetectors } from './evaluate.js';
import { type DetectorName, createDetector } from './registry.js';
import { MahalanobisDetector } from './mahalanobis.js';
import { type MixtureFile, mixtureFit } from './mixture-fit.js';

/** Ridges tried in turn for Mahalanobis' shared covariance: the detector's default first. */
const MAHALANOBIS_RIDGES = [1e-6, 1e-4, 1e-2];

/**
 * A fitted Mahalanobis detector. The shared covariance is accumulated in float32, so for (nearly) degenerate
 * features its Cholesky factorisation can fail; then the ridge is raised, and a note says so.
 */
export function fitMahalanobis(features: tf.Tensor2D, labels: tf.Tensor1D, notes: string[]): Detector {
  for (const [i, regularization] of MAHALANOBIS_RIDGES.entries()) {
    const detector = new MahalanobisDetector({ regularization });
    try {
      detector.fitFeatures(features, labels);
      if (i > 0)
        notes.push(`mahalanobis: covariance singular at smaller ridges; fitted with ridge ${regularization}`);
      return detector;
    } catch (error) {
      detector.dispose();
      const last = i === MAHALANOBIS_RIDGES.length - 1;
      if (last || !(error instanceof LgmError) || !/positive definite/.test(error.message)) throw error;
    }
  }
  throw new LgmError('fitMahalanobis: unreachable');
}

/** A saved attack as the pipeline compares it: the attacked clean images and their adversarial versions. */
export interface AttackedSet {
  /** The attack's name (the sets are `<name>-all` and `<name>-successful`). */
  name: string;
  /** The clean images that were attacked, [N, ...inputShape] in [0, 1]. */
  clean: tf.Tensor;
  /** Their adversarial versions, same shape and order. */
  adversarial: tf.Tensor;
  success: boolean[];
  originalCorrect: boolean[];
  successRate: number | null;
}

/**
 * The two input sets of one attack, each compared with the *correctly classified* clean images that were
 * attacked (the literature's protocol):
 * - `<attack>-all`: the adversarial versions of all those images, whether or not the attack flipped them;
 * - `<attack>-successful`: only the ones it flipped (successfulRows; absent when it flipped none).
 * The caller disposes every `features` and `clean` of the returned sets (the two share `clean`).
 */
export function attackInputSets(classifier: Classifier, set: AttackedSet, batchSize: number): InputSet[] {
  const correct = attackedRows(set);
  if (correct.length === 0) return [];
  const features = (images: tf.Tensor, rows: number[]) => {
    const chosen = tf.gather(images, rows);
    try {
      return batchedFeatures(classifier, chosen, batchSize);
    } finally {
      chosen.dispose();
    }
  };
  const clean = features(set.clean, correct);
  const all = features(set.adversarial, correct);
  const rate = set.successRate;
  const sets: InputSet[] = [{ name: `${set.name}-all`, features: all, clean, attackSuccessRate: rate }];
  const flipped = new Set(successfulRows(set));
  const rows = correct.flatMap((row, j) => (flipped.has(row) ? [j] : []));
  if (rows.length > 0) {
    const successful = tf.gather(all, rows) as tf.Tensor2D;
    sets.push({ name: `${set.name}-successful`, features: successful, clean, attackSuccessRate: rate });
  }
  return sets;
}

/** What detectionPipeline compares. Images are in [0, 1]; the classifier takes them as they are. */
export interface DetectionInputs {
  classifier: Classifier;
  /** The trained mixture (L-GM runs; lgm-* detectors and the fit check need it), else null. */
  mixture: MixtureFile | null;
  detectors: readonly DetectorName[];
  /** The images the detectors are fitted on and their labels. */
  train: { x: tf.Tensor; y: tf.Tensor1D };
  /** The clean images the OOD sets are compared with. */
  clean: tf.Tensor;
  /** Saved attacks. Each gives `<attack>-all` and `<attack>-successful` (see attackInputSets). */
  attacks: readonly AttackedSet[];
  /** Out-of-distribution images by set name. */
  ood: readonly { name: string; inputs: tf.Tensor }[];
  /** Images per feature batch. */
  batchSize: number;
  /** Error prefix. Default 'detect'. */
  where?: string;
}

/** What detectionPipeline resolves to: the table and curves (detection.json), and notes worth printing. */
export interface DetectionOutcome {
  report: DetectionReport;
  /** Input sets compared, with their sizes. */
  sets: { name: string; count: number }[];
  notes: string[];
}

/**
 * Fits every detector on the training features (Mahalanobis with the ridge fallback), then scores the clean
 * images against each OOD set and the correctly classified attacked images against each attack's sets. The
 * pipeline of `lgm detect`, `lgm demo` and `reproduce`; the caller owns (and disposes) the input tensors.
 */
export function detectionPipeline(inputs: DetectionInputs): DetectionOutcome {
  const { classifier, mixture, batchSize } = inputs;
  const where = inputs.where ?? 'detect';
  const notes: string[] = [];
  const detectors: Detector[] = [];
  const tensors: tf.Tensor[] = [];
  try {
    const trainFeatures = batchedFeatures(classifier, inputs.train.x, batchSize);
    tensors.push(trainFeatures);
    for (const name of inputs.detectors) {
      if (name === 'mahalanobis') {
        detectors.push(fitMahalanobis(trainFeatures, inputs.train.y, notes));
        continue;
      }
      const d = createDetector(name, { classifier, mixture, where });
      detectors.push(d);
      d.fitFeatures(trainFeatures, inputs.train.y);
    }
    const fit = mixture === null ? null : mixtureFit(mixture, trainFeatures, inputs.train.y);
    if (fit?.warning) notes.push(fit.warning);
    const clean = batchedFeatures(classifier, inputs.clean, batchSize);
    tensors.push(clean);
    const sets: InputSet[] = [];
    for (const attack of inputs.attacks) {
      const made = attackInputSets(classifier, attack, batchSize);
      for (const s of made) tensors.push(s.features, s.clean as tf.Tensor2D);
      if (!made.some((s) => s.name.endsWith('-successful'))) {
        notes.push(`${attack.name} fooled no correctly classified image: no ${attack.name}-successful row`);
      }
      sets.push(...made);
    }
    for (const o of inputs.ood) {
      const shape = o.inputs.shape.slice(1).join(',');
      if (shape !== classifier.inputShape.join(',')) {
        throw new LgmError(
          `${where}: OOD set ${o.name} must have images of shape [${classifier.inputShape.join(',')}], got [${shape}]`,
        );
      }
      const features = batchedFeatures(classifier, o.inputs, batchSize);
      tensors.push(features);
      sets.push({ name: o.name, features });
    }
    if (sets.length === 0) {
      throw new LgmError(
        `${where}: needs at least one adversarial or OOD input set, got none (run lgm attack or pass --ood)`,
      );
    }
    const report = evaluateDetectors(detectors, clean, sets);
    return { report, sets: sets.map((s) => ({ name: s.name, count: s.features.shape[0] })), notes };
  } finally {
    for (const d of detectors) d.dispose();
    tf.dispose([...new Set(tensors)]);
  }
}
