import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../data/registry.js';
import {
  Detector,
  InputSet,
  MahalanobisDetector,
  NOISE_SETS,
  batchedFeatures,
  createDetector,
  detectorNamesFor,
  evaluateDetectors,
  noiseInputs,
  readMixtureFile,
  mixtureFit,
} from '../detect/index.js';
import type { Classifier } from '../nets/classifier.js';
import { writeJsonAtomic } from '../train/run.js';
import { readAdversarialSet } from '../attacks/io.js';
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
 * The two input sets of one saved attack, each compared with the *correctly classified* clean images that were
 * attacked (the literature's protocol, e.g. the follow-up's detection script):
 * - `<attack>-all`: the adversarial versions of all those images, whether or not the attack flipped them;
 * - `<attack>-successful`: only the ones it flipped (absent when it flipped none).
 * `attacked` are the [0, 1] test images the attack was run on, in the file's order. The caller disposes every
 * features tensor of the returned sets (`features` and `clean`; the two sets share `clean`).
 */
async function adversarialSets(
  runDir: string,
  attack: string,
  classifier: Classifier,
  attacked: tf.Tensor,
): Promise<InputSet[]> {
  const { file, inputs } = await readAdversarialSet(runDir, attack);
  try {
    const correct = file.originalCorrect.flatMap((c, i) => (c ? [i] : []));
    if (correct.length === 0) return [];
    const features = (images: tf.Tensor, rows: number[]) => {
      const chosen = tf.gather(images, rows);
      try {
        return batchedFeatures(classifier, chosen, FEATURE_BATCH);
      } finally {
        chosen.dispose();
      }
    };
    const clean = features(attacked, correct);
    const all = features(inputs, correct);
    const sets: InputSet[] = [
      { name: `${attack}-all`, features: all, clean, attackSuccessRate: file.successRate },
    ];
    const flipped = correct.flatMap((row, j) => (file.success[row] ? [j] : []));
    if (flipped.length > 0) {
      const successful = tf.gather(all, flipped) as tf.Tensor2D;
      sets.push({
        name: `${attack}-successful`,
        features: successful,
        clean,
        attackSuccessRate: file.successRate,
      });
    }
    return sets;
  } finally {
    inputs.dispose();
  }
}

/**
 * The out-of-distribution sets of an experiment, as [0, 1] images: Fashion-MNIST's test images for MNIST and
 * MNIST's for Fashion-MNIST (skipped with a note when not installed) and the two noise sets. The caller disposes the tensors.
 */
async function oodInputs(
  ctx: ReproduceContext,
  shape: readonly number[],
  notes: string[],
): Promise<Map<string, tf.Tensor>> {
  const sets = new Map<string, tf.Tensor>();
  const n = ctx.budget.detectLimit;
  // Each of the two 28x28 grey sets is the other's OOD set.
  const others = { mnist: 'fashion-mnist', 'fashion-mnist': 'mnist', cifar10: null } as const;
  const other = others[ctx.experiment];
  if (other !== null) {
    try {
      const { x, y } = firstImages(await loadDataset(other, { split: 'test' }), n);
      y.dispose();
      sets.set(other, x);
    } catch (error) {
      const note = `OOD set ${other} skipped: ${(error as Error).message.split('\n')[0]}`;
      ctx.log(`note: ${note}`);
      notes.push(note);
    }
  }
  for (const kind of NOISE_SETS) sets.set(kind, noiseInputs(kind, n, shape, ctx.seed));
  return sets;
}

/**
 * Fits every detector on the features of the first `fitLimit` training images, then scores the correctly
 * classified attacked test images against each attack's adversarial examples (all, and the successful ones:
 * adversarialSets), and the first `detectLimit` clean test images against each OOD set; writes
 * <run>/detection.json (the run-directory contract's format).
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
      const fit = mixture === null ? null : mixtureFit(mixture, trainFeatures, train.y);
      if (fit?.warning) {
        ctx.log(`note: ${variant.name}: ${fit.warning}`);
        notes.push(fit.warning);
      }
      detectors.push(fitMahalanobis(trainFeatures, train.y, notes));
      const test = firstImages(ctx.data.test01, ctx.budget.detectLimit);
      tensors.push(test.x, test.y);
      const clean = batchedFeatures(classifier, test.x, FEATURE_BATCH);
      tensors.push(clean);
      const sets: InputSet[] = [];
      const attacked = firstImages(ctx.data.test01, ctx.budget.attackLimit);
      tensors.push(attacked.x, attacked.y);
      for (const attack of REPRODUCE_ATTACKS) {
        const adv = await adversarialSets(runDir, attack, classifier, attacked.x);
        for (const set of adv) tensors.push(set.features, set.clean as tf.Tensor);
        if (!adv.some((set) => set.name.endsWith('-successful'))) {
          const note = `${attack} fooled no correctly classified image: no ${attack}-successful row`;
          ctx.log(`note: ${variant.name}: ${note}`);
          notes.push(note);
        }
        sets.push(...adv);
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
