import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../data/registry.js';
import {
  Detector,
  InputSet,
  MahalanobisDetector,
  NOISE_SETS,
  adversarialInputSet,
  batchedFeatures,
  createDetector,
  detectorNamesFor,
  evaluateDetectors,
  noiseInputs,
  readMixtureFile,
} from '../detect/index.js';
import type { Classifier } from '../nets/classifier.js';
import { writeJsonAtomic } from '../train/run.js';
import { join } from 'node:path';
import { REPRODUCE_ATTACKS } from './attack-stage.js';
import { ReproduceContext, runDirOf } from './context.js';
import { firstImages } from './data.js';
import type { Variant } from './experiments.js';
import { LgmError } from '../util/errors.js';

const FEATURE_BATCH = 256;

/** Ridges tried in turn for Mahalanobis' shared covariance: the detector's default first. */
const MAHALANOBIS_RIDGES = [1e-6, 1e-4, 1e-2];

/**
 * A fitted Mahalanobis detector. The shared covariance is accumulated in float32, so for (nearly) degenerate
 * features its Cholesky factorisation can fail; then the ridge is raised, and a note says so.
 */
function fitMahalanobis(features: tf.Tensor2D, labels: tf.Tensor1D, notes: string[]): Detector {
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

/**
 * The out-of-distribution sets of an experiment, as [0, 1] images: Fashion-MNIST's test images for MNIST
 * (skipped with a note when not installed) and the two noise sets. The caller disposes the tensors.
 */
async function oodInputs(
  ctx: ReproduceContext,
  shape: readonly number[],
  notes: string[],
): Promise<Map<string, tf.Tensor>> {
  const sets = new Map<string, tf.Tensor>();
  const n = ctx.budget.detectLimit;
  if (ctx.experiment === 'mnist') {
    try {
      const fashion = await loadDataset('fashion-mnist', { split: 'test' });
      const { x, y } = firstImages(fashion, n);
      y.dispose();
      sets.set('fashion-mnist', x);
    } catch (error) {
      const note = `OOD set fashion-mnist skipped: ${(error as Error).message.split('\n')[0]}`;
      ctx.log(`note: ${note}`);
      notes.push(note);
    }
  }
  for (const kind of NOISE_SETS) sets.set(kind, noiseInputs(kind, n, shape, ctx.seed));
  return sets;
}

/**
 * Fits every detector on the features of the first `fitLimit` training images, then scores the first
 * `detectLimit` clean test images against each attack's successful adversarial examples and each OOD set;
 * writes <run>/detection.json (the run-directory contract's format).
 */
export async function detectVariant(
  ctx: ReproduceContext,
  variant: Variant,
  classifier: Classifier,
): Promise<void> {
  const runDir = runDirOf(ctx, variant.name);
  await ctx.progress.stage(`detect/${variant.name}`, async () => {
    const mixture = await readMixtureFile(runDir);
    // Mahalanobis is fitted apart (fitMahalanobis), after the others.
    const detectors = detectorNamesFor(mixture)
      .filter((name) => name !== 'mahalanobis')
      .map((name) => createDetector(name, { classifier, mixture }));
    const tensors: tf.Tensor[] = [];
    const notes: string[] = [];
    try {
      const train = firstImages(ctx.data.train01, ctx.budget.fitLimit);
      tensors.push(train.x, train.y);
      const trainFeatures = batchedFeatures(classifier, train.x, FEATURE_BATCH);
      tensors.push(trainFeatures);
      for (const d of detectors) d.fitFeatures(trainFeatures, train.y);
      detectors.push(fitMahalanobis(trainFeatures, train.y, notes));
      const test = firstImages(ctx.data.test01, ctx.budget.detectLimit);
      tensors.push(test.x, test.y);
      const clean = batchedFeatures(classifier, test.x, FEATURE_BATCH);
      tensors.push(clean);
      const sets: InputSet[] = [];
      for (const attack of REPRODUCE_ATTACKS) {
        const adv = await adversarialInputSet(runDir, attack, classifier, FEATURE_BATCH);
        if (adv === null) {
          const note = `${attack} fooled no correctly classified image: no detection row`;
          ctx.log(`note: ${variant.name}: ${note}`);
          notes.push(note);
          continue;
        }
        tensors.push(adv.features);
        sets.push(adv);
      }
      for (const [name, inputs] of await oodInputs(ctx, classifier.inputShape, notes)) {
        tensors.push(inputs);
        const features = batchedFeatures(classifier, inputs, FEATURE_BATCH);
        tensors.push(features);
        sets.push({ name, features });
      }
      const report = evaluateDetectors(detectors, clean, sets);
      await writeJsonAtomic(join(runDir, 'detection.json'), report);
      ctx.log(`detect ${variant.name}: ${report.rows.length} rows (${sets.map((s) => s.name).join(', ')})`);
      return notes;
    } finally {
      for (const d of detectors) d.dispose();
      tf.dispose(tensors);
      mixture?.dispose();
    }
  });
}
