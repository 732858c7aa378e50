import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../data/registry.js';
import { NOISE_SETS, detectorNamesFor, noiseInputs } from '../detect/index.js';
import { type AttackedSet, detectionPipeline } from '../detect/pipeline.js';
import type { Classifier } from '../nets/classifier.js';
import { readAdversarialSet } from '../run/adversarial.js';
import { writeDetection } from '../run/detection.js';
import { readMixtureFile } from '../run/mixture.js';
import { REPRODUCE_ATTACKS } from './attack-stage.js';
import { ReproduceContext, runDirOf } from './context.js';
import { firstImages } from './data.js';
import type { Variant } from './experiments.js';

const FEATURE_BATCH = 256;

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
 * src/detect/pipeline.ts), and the first `detectLimit` clean test images against each OOD set; writes
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
    const tensors: tf.Tensor[] = [];
    const notes: string[] = [];
    try {
      const train = firstImages(ctx.data.train01, ctx.budget.fitLimit);
      tensors.push(train.x, train.y);
      const test = firstImages(ctx.data.test01, ctx.budget.detectLimit);
      tensors.push(test.x, test.y);
      const attacked = firstImages(ctx.data.test01, ctx.budget.attackLimit);
      tensors.push(attacked.x, attacked.y);
      const attacks: AttackedSet[] = [];
      for (const attack of REPRODUCE_ATTACKS) {
        const { file, inputs } = await readAdversarialSet(runDir, attack);
        tensors.push(inputs);
        const { success, originalCorrect, successRate } = file;
        attacks.push({
          name: attack,
          clean: attacked.x,
          adversarial: inputs,
          success,
          originalCorrect,
          successRate,
        });
      }
      const ood: { name: string; inputs: tf.Tensor }[] = [];
      for (const [name, inputs] of await oodInputs(ctx, classifier.inputShape, notes)) {
        tensors.push(inputs);
        ood.push({ name, inputs });
      }
      const outcome = detectionPipeline({
        classifier,
        mixture,
        detectors: detectorNamesFor(mixture),
        train,
        clean: test.x,
        attacks,
        ood,
        batchSize: FEATURE_BATCH,
        where: 'reproduce',
      });
      for (const note of outcome.notes) ctx.log(`note: ${variant.name}: ${note}`);
      notes.push(...outcome.notes);
      await writeDetection(runDir, outcome.report);
      const names = outcome.sets.map((s) => s.name).join(', ');
      ctx.log(`detect ${variant.name}: ${outcome.report.rows.length} rows (${names})`);
      return notes;
    } finally {
      tf.dispose(tensors);
      mixture?.dispose();
    }
  });
}
