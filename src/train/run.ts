import { writeFileAtomicAsync } from '../io/atomic.js';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import { LgmLossModule } from '../losses/lgm_module.js';
import { LgmError } from '../util/errors.js';
import { loadCustomNetwork } from './custom-net.js';
import { LIMITS, TrainConfig, resolveTrainConfig } from './config.js';
import { CHECKPOINT_TMP_PREFIX, readCheckpoint } from './checkpoint.js';
import { TrainableModel, asClassifier, buildModel, disposeModel, loadModelTensors } from './model.js';
import type { Evaluation } from './evaluate.js';

export const CONFIG_FILE = 'config.json';

/** What a saved run's config.json holds besides the training config: the data's shape, needed to rebuild. */
export interface RunConfigFile {
  format: 'lgm-run-1';
  config: TrainConfig;
  inputShape: number[];
  numClasses: number;
}

/** Writes a JSON file atomically (temp file, then rename), so readers never see half a file. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomicAsync(file, JSON.stringify(value, null, 1) + '\n');
}

/** Reads and checks `<runDir>/config.json`. */
export async function readRunConfig(runDir: string): Promise<RunConfigFile> {
  const file = join(runDir, CONFIG_FILE);
  if (!existsSync(file))
    throw new LgmError(`loadRun: ${file} must exist (is ${runDir} a run directory?), got no such file`);
  let parsed: RunConfigFile;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as RunConfigFile;
  } catch {
    throw new LgmError(`loadRun: ${file} is not valid JSON (truncated or corrupt)`);
  }
  if (
    parsed?.format !== 'lgm-run-1' ||
    !Array.isArray(parsed.inputShape) ||
    !Number.isInteger(parsed.numClasses)
  ) {
    throw new LgmError(`loadRun: ${file} must be {format: 'lgm-run-1', config, inputShape, numClasses}`);
  }
  checkRunShape(file, parsed.inputShape, parsed.numClasses);
  // Re-resolving validates every field of a hand-edited file with the usual messages.
  resolveTrainConfig(parsed.config as never);
  return parsed;
}

/** Bounds inputShape and numClasses of a config.json before any model is built from them. */
function checkRunShape(file: string, inputShape: unknown[], numClasses: number): void {
  const dims = inputShape.every((d) => Number.isInteger(d) && (d as number) >= 1);
  const size = dims ? (inputShape as number[]).reduce((a, b) => a * b, 1) : NaN;
  if (inputShape.length < 1 || inputShape.length > 3 || !(size <= LIMITS.inputSize)) {
    throw new LgmError(
      `loadRun: ${file} inputShape must be 1 to 3 positive integers of product <= ${LIMITS.inputSize}, got ${JSON.stringify(inputShape)}`,
    );
  }
  if (numClasses < 1 || numClasses > LIMITS.classes) {
    throw new LgmError(
      `loadRun: ${file} numClasses must be an integer in [1, ${LIMITS.classes}], got ${numClasses}`,
    );
  }
}

/**
 * Files and directories of a run (the run-directory contract); a new run refuses a directory holding any, so
 * that it never appends to another run's metrics or keeps another model's adversarial sets.
 */
const RUN_FILES = [
  CONFIG_FILE,
  'metrics.jsonl',
  'checkpoint',
  'checkpoint.old',
  'features.json',
  'mixture.json',
  'adversarial',
  'detection.json',
  'report.md',
];

/** The first run file among a directory's entries (null when none): `checkpoint.tmp-*` counts. */
export function existingRunFile(entries: string[]): string | null {
  return (
    RUN_FILES.find((f) => entries.includes(f)) ??
    entries.find((e) => e.startsWith(CHECKPOINT_TMP_PREFIX)) ??
    null
  );
}

/** A saved run, ready to use. */
export interface LoadedRun {
  config: TrainConfig;
  classifier: Classifier;
  model: TrainableModel;
  /** The checkpoint's state.json (epoch, step, ...). */
  state: Record<string, unknown>;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Loads a run directory written by `lgm train`: rebuilds the network and loss from config.json and restores
 * the weights of the latest checkpoint. The classifier maps inputs to features and features to inference logits.
 */
export async function loadRun(runDir: string): Promise<LoadedRun> {
  const file = await readRunConfig(runDir);
  const checkpoint = await readCheckpoint(runDir);
  if (checkpoint === null)
    throw new LgmError(`loadRun: ${join(runDir, 'checkpoint')} must exist, got no checkpoint`);
  const custom = await loadCustomNetwork(file.config.net, file.inputShape);
  const model = buildModel(file.config, file.inputShape, file.numClasses, custom);
  try {
    loadModelTensors(model, (k) => checkpoint.tensors.get(k), join(checkpoint.dir, 'tensors.bin'));
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  return {
    config: file.config,
    classifier: asClassifier(model),
    model,
    state: checkpoint.state,
    dispose: () => disposeModel(model),
  };
}

/** Writes features.json (the contract's test-set features, at most 10000 rows). */
export async function writeFeatures(
  runDir: string,
  model: TrainableModel,
  evaluation: Evaluation,
): Promise<void> {
  await writeJsonAtomic(join(runDir, 'features.json'), {
    split: 'test',
    dim: model.featureDim,
    numClasses: model.numClasses,
    labels: evaluation.labels,
    predictions: evaluation.predictions,
    features: evaluation.features,
  });
}

/** Writes mixture.json for L-GM runs (means, log-variances, log-priors as nested arrays); no-op for others. */
export async function writeMixture(runDir: string, model: TrainableModel): Promise<boolean> {
  const loss = model.loss;
  if (!(loss instanceof LgmLossModule)) return false;
  const params = loss.params();
  const arr = async (t: tf.Tensor | undefined) => (t === undefined ? null : await t.array());
  await writeJsonAtomic(join(runDir, 'mixture.json'), {
    covariance: loss.options.covariance,
    means: await arr(params.means),
    logVariances: await arr(params.logVariances),
    logPriors: await arr(params.logPriors),
  });
  return true;
}
