import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import { LgmLossModule } from '../losses/lgm-module.js';
import { LgmError } from '../util/errors.js';
import { loadCustomNetwork } from './custom-net.js';
import { LIMITS, TrainConfig, resolveTrainConfig, upgradeSavedConfig } from './config.js';
import { readCheckpoint } from '../run/checkpoint.js';
import { type Normalization, unitScale } from '../data/normalization.js';
import { pixelClassifier } from '../detect/input-sets.js';
import { objectOf, readJsonFile, writeJsonFile } from '../run/json-file.js';
import { CONFIG_FILE } from '../run/layout.js';
import { writeRunFeatures } from '../run/features.js';
import { writeRunMixture } from '../run/mixture.js';
import { readRunNormalization, runNormalization, writeRunNormalization } from '../run/normalization.js';
import { TrainableModel, asClassifier, buildModel, disposeModel, loadModelTensors } from './model.js';
import type { Evaluation } from './evaluate.js';

/** What a saved run's config.json holds besides the training config: the data's shape, needed to rebuild. */
export interface RunConfigFile {
  format: 'lgm-run-1';
  config: TrainConfig;
  inputShape: number[];
  numClasses: number;
}

/** Writes `<runDir>/config.json` (the run's one writer of it). */
export async function writeRunConfig(runDir: string, file: RunConfigFile): Promise<void> {
  await writeJsonFile(join(runDir, CONFIG_FILE), file);
}

/**
 * Reads and checks `<runDir>/config.json` (the run's one reader of it; it lives here, not in src/run, because
 * checking the config takes the trainer's resolver).
 */
export async function readRunConfig(runDir: string): Promise<RunConfigFile> {
  const file = join(runDir, CONFIG_FILE);
  const hint = `is ${runDir} a run directory?`;
  const parsed = objectOf(
    'loadRun',
    file,
    await readJsonFile(file, 'loadRun', hint),
  ) as unknown as RunConfigFile;
  if (
    parsed?.format !== 'lgm-run-1' ||
    !Array.isArray(parsed.inputShape) ||
    !Number.isInteger(parsed.numClasses)
  ) {
    throw new LgmError(`loadRun: ${file} must be {format: 'lgm-run-1', config, inputShape, numClasses}`);
  }
  checkRunShape(file, parsed.inputShape, parsed.numClasses);
  const upgraded = { ...parsed, config: upgradeSavedConfig(parsed.config) as RunConfigFile['config'] };
  // Re-resolving validates every field of a hand-edited file with the usual messages.
  resolveTrainConfig(upgraded.config as never);
  return upgraded;
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

/** A saved run, ready to use. */
export interface LoadedRun {
  config: TrainConfig;
  /**
   * The model as seen from pixel space: inputs pixel/255 (what attacks perturb and clip) are normalised as in
   * training, then mapped to features; features to inference logits. `asClassifier(model)` is the model-space one.
   */
  classifier: Classifier;
  /** The input normalisation the model was trained with (normalization.json, or recomputed for older runs). */
  normalization: Normalization;
  model: TrainableModel;
  /** The checkpoint's state.json (epoch, step, ...). */
  state: Record<string, unknown>;
  /** Frees the model's weights. */
  dispose(): void;
}

/** Options of `loadRun`. */
export interface LoadRunOptions {
  /**
   * Where the training set is, for a run written by lgm before normalization.json existed (its normalisation is
   * recomputed from the training images). Default: the run config's.
   */
  dataDir?: string | null;
}

/**
 * The normalisation of a run: normalization.json, or for a run written by an older lgm without it, recomputed
 * from its training images (a clear error when they cannot be loaded).
 */
async function loadNormalization(
  runDir: string,
  file: RunConfigFile,
  dataDir: string | null | undefined,
): Promise<Normalization> {
  const channels = file.inputShape[file.inputShape.length - 1];
  const saved = await readRunNormalization(runDir, channels);
  if (saved !== null) return saved;
  const dataset = {
    ...file.config.dataset,
    dataDir: dataDir === undefined ? file.config.dataset.dataDir : dataDir,
  };
  try {
    return await runNormalization(dataset);
  } catch (error) {
    if (!(error instanceof LgmError)) throw error;
    throw new LgmError(
      `loadRun: ${runDir} has no normalization.json (written by an older lgm), and its training set cannot be loaded to recompute it: ${error.message}`,
    );
  }
}

/**
 * Loads a run directory written by `lgm train`: rebuilds the network and loss from config.json, restores the
 * weights of the latest checkpoint and reads the input normalisation. `classifier` takes pixel/255 inputs.
 */
export async function loadRun(runDir: string, options: LoadRunOptions = {}): Promise<LoadedRun> {
  const file = await readRunConfig(runDir);
  const normalization = await loadNormalization(runDir, file, options.dataDir);
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
    classifier: pixelClassifier(asClassifier(model), normalization),
    normalization,
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
  const { labels, predictions, features } = evaluation;
  const { featureDim: dim, numClasses } = model;
  await writeRunFeatures(runDir, { dim, numClasses, labels, predictions, features });
}

/** Writes mixture.json for L-GM runs (means, log-variances, log-priors as nested arrays); no-op for others. */
export async function writeMixture(runDir: string, model: TrainableModel): Promise<boolean> {
  const loss = model.loss;
  if (!(loss instanceof LgmLossModule)) return false;
  const params = loss.params();
  const arr = async (t: tf.Tensor | undefined) => (t === undefined ? null : await t.array());
  await writeRunMixture(runDir, {
    covariance: loss.options.covariance,
    means: (await params.means.array()) as number[][],
    logVariances: (await arr(params.logVariances)) as number[] | number[][] | null,
    logPriors: (await arr(params.logPriors)) as number[] | null,
  });
  return true;
}

/**
 * Writes normalization.json: the data's normalisation, or for data given as they are (no normalisation), the
 * identity over the last input axis, so that the run's pixel-space classifier is its model-space one.
 */
export async function writeNormalization(
  runDir: string,
  normalization: Normalization | undefined,
  inputShape: number[],
): Promise<void> {
  const channels = inputShape[inputShape.length - 1];
  await writeRunNormalization(runDir, normalization ?? unitScale(channels));
}
