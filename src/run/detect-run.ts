import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import type { DetectorName } from '../detect/registry.js';
import { NOISE_SETS, loadInputs, noiseInputs } from '../detect/input-sets.js';
import type { MixtureFile } from '../detect/mixture-fit.js';
import { type AttackedSet, type DetectionOutcome, detectionPipeline } from '../detect/pipeline.js';
import { checkWritable } from '../io/atomic.js';
import type { Classifier } from '../nets/classifier.js';
import { listAdversarialSets, readAdversarialMeta, readAdversarialSet } from './adversarial.js';
import { writeDetection } from './detection.js';
import { DETECTION_FILE } from './layout.js';

/** An out-of-distribution set to load: a noise set, a dataset name or idx:<dir>. */
export interface OodSpec {
  name: string;
  /** Default sets that are not installed are skipped with a note; requested ones must load. */
  optional: boolean;
}

/** The default OOD sets: Fashion-MNIST for MNIST runs (skipped with a note when absent), and the noise sets. */
export function defaultOodSpecs(dataset: string): OodSpec[] {
  const specs = NOISE_SETS.map((name) => ({ name, optional: false }));
  return dataset === 'mnist' ? [{ name: 'fashion-mnist', optional: true }, ...specs] : specs;
}

/** Options of `detectRunDir`. */
export interface DetectRunOptions {
  detectors: readonly DetectorName[];
  /** Adversarial sets of `<outDir>/adversarial` by name; null: every set there. */
  adversarial: readonly string[] | null;
  ood: readonly OodSpec[];
  /** Clean test images (and images per OOD set). */
  limit: number;
  /** Training images the detectors are fitted on. */
  fitLimit: number;
  batchSize: number;
  /** Seed of the noise sets. */
  seed: number;
  log?: (line: string) => void;
}

/** The images of an OOD set, or null for an optional set that cannot be loaded. */
async function oodImages(
  spec: OodSpec,
  shape: readonly number[],
  o: DetectRunOptions,
  log: (l: string) => void,
) {
  if ((NOISE_SETS as readonly string[]).includes(spec.name)) {
    return noiseInputs(spec.name as (typeof NOISE_SETS)[number], o.limit, shape, o.seed);
  }
  try {
    const loaded = await loadInputs(spec.name, { split: 'test', limit: o.limit });
    loaded.y.dispose();
    return loaded.x;
  } catch (error) {
    if (!spec.optional) throw error;
    log(`note: OOD set ${spec.name} skipped: ${(error as Error).message}`);
    return null;
  }
}

/**
 * Reads the saved attacks of `outDir` with the clean test images they were made from (by their indices into the
 * test split). The caller disposes every tensor.
 */
async function savedAttacks(
  outDir: string,
  names: readonly string[],
  dataset: { name: string; dataDir: string | null },
): Promise<AttackedSet[]> {
  if (names.length === 0) return [];
  let last = 0;
  for (const name of names) last = Math.max(last, ...(await readAdversarialMeta(outDir, name)).indices);
  const test = await loadInputs(dataset.name, { split: 'test', limit: last + 1, dataDir: dataset.dataDir });
  test.y.dispose();
  const sets: AttackedSet[] = [];
  try {
    for (const name of names) {
      const { file, inputs } = await readAdversarialSet(outDir, name);
      const clean = tf.gather(test.x, file.indices);
      const { success, originalCorrect, successRate } = file;
      sets.push({ name, clean, adversarial: inputs, success, originalCorrect, successRate });
    }
  } catch (error) {
    tf.dispose(sets.flatMap((s) => [s.clean, s.adversarial]));
    throw error;
  } finally {
    test.x.dispose();
  }
  return sets;
}

/**
 * Fits the detectors on a run's first training images and scores its clean test images against every OOD set,
 * and the correctly classified attacked images against each saved attack (`<attack>-all`, `<attack>-successful`);
 * writes `<outDir>/detection.json`. `classifier` takes pixel/255 inputs (loadRun's). The body of `lgm detect`
 * and of the demo's detection.
 */
export async function detectRunDir(
  outDir: string,
  classifier: Classifier,
  mixture: MixtureFile | null,
  dataset: { name: string; dataDir: string | null },
  options: DetectRunOptions,
): Promise<DetectionOutcome & { file: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Fail now rather than after minutes of feature extraction.
  checkWritable(join(outDir, DETECTION_FILE));
  const tensors: tf.Tensor[] = [];
  try {
    const { dataDir } = dataset;
    const train = await loadInputs(dataset.name, { split: 'train', limit: options.fitLimit, dataDir });
    tensors.push(train.x, train.y);
    const test = await loadInputs(dataset.name, { split: 'test', limit: options.limit, dataDir });
    tensors.push(test.x, test.y);
    const attacks = await savedAttacks(
      outDir,
      options.adversarial ?? (await listAdversarialSets(outDir)),
      dataset,
    );
    tensors.push(...attacks.flatMap((a) => [a.clean, a.adversarial]));
    const ood: { name: string; inputs: tf.Tensor }[] = [];
    for (const spec of options.ood) {
      const inputs = await oodImages(spec, classifier.inputShape, options, log);
      if (inputs === null) continue;
      tensors.push(inputs);
      ood.push({ name: spec.name, inputs });
    }
    const outcome = detectionPipeline({
      classifier,
      mixture,
      detectors: options.detectors,
      train,
      clean: test.x,
      attacks,
      ood,
      batchSize: options.batchSize,
    });
    const file = await writeDetection(outDir, outcome.report);
    return { ...outcome, file };
  } finally {
    tf.dispose(tensors);
  }
}
