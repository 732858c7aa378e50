import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { loadCustomNetwork } from './custom-net.js';
import { TrainConfig, configDifferences } from './config.js';
import {
  CheckpointHooks,
  NonFiniteCheckpointError,
  readCheckpoint,
  removeStaleTemps,
  writeCheckpoint,
} from '../run/checkpoint.js';
import { CheckpointEvery, DEFAULT_CHECKPOINT_EVERY, checkpointDue } from './checkpoint-every.js';
import { withRunLock } from '../io/run-lock.js';
import type { TrainData } from './data.js';
import { Evaluation, evaluate } from './evaluate.js';
import { appendMetrics, checkMetricsFile, truncateMetrics } from '../run/metrics.js';
import { NORMALIZATION_FILE, existingRunFile } from '../run/layout.js';
import { TrainableModel, buildModel, disposeModel, loadModelTensors, modelTensors } from './model.js';
import type { Optimizer } from './optimizer.js';
import type { StepResult, Trainer } from './step-trainer.js';
import { configTrainer, lossValues } from './config-trainer.js';
import { ProgressReporter, silentReporter } from './progress.js';
import {
  RunConfigFile,
  readRunConfig,
  writeFeatures,
  writeMixture,
  writeNormalization,
  writeRunConfig,
} from './run.js';
import { epochLine, epochRecord, resolvedValues } from './epoch-records.js';
import { TrainState, initialState, parseState } from './state.js';

/** Options of `trainRun`. */
export interface TrainRunOptions {
  /** The resolved config (resolveTrainConfig). */
  config: TrainConfig;
  /** The run directory: created for a new run; must hold a run with the same config to resume. */
  runDir: string;
  data: TrainData;
  /** Continue the run in runDir from its checkpoint. Default false (runDir must not hold a run). */
  resume?: boolean;
  /** Progress output. Default silent. */
  reporter?: ProgressReporter;
  /** When aborted (Ctrl-C, SIGTERM, SIGHUP), the current step finishes, a checkpoint is written and trainRun returns. */
  signal?: AbortSignal;
  /**
   * Checkpoints within an epoch, every so many steps and/or seconds (besides every epoch end and interrupt).
   * Default every 5 minutes of training: a SIGKILL or a power loss loses at most that much.
   */
  checkpointEvery?: CheckpointEvery;
  /** Stop like an interrupt once this many steps (in total) are done; for tests and budgets. */
  stopAfterSteps?: number;
  /** Checkpoint hooks (tests simulate crashes with them). */
  hooks?: CheckpointHooks;
}

/** What `trainRun` returns. The caller owns `model` (disposeModel when done). */
export interface TrainRunResult {
  /** False when interrupted (signal or stopAfterSteps) before the last epoch. */
  completed: boolean;
  state: TrainState;
  model: TrainableModel;
  /** The test evaluation after the last epoch (null when interrupted). */
  evaluation: Evaluation | null;
  /** The config as written to config.json (loss options and feature width resolved). */
  config: TrainConfig;
}

/** The config with the loss's resolved options and the actual feature width, as written to config.json. */
function finalConfig(config: TrainConfig, model: TrainableModel): TrainConfig {
  return {
    ...config,
    net: { ...config.net, featureDim: model.featureDim },
    loss: { name: config.loss.name, options: { ...model.loss.options } },
  };
}

/**
 * Opens (resume: checks the config, restores model and optimizer from the checkpoint) or creates the run
 * directory (writes config.json). Resolves to the state to continue from.
 */
async function openRun(
  options: TrainRunOptions,
  model: TrainableModel,
  optimizer: Optimizer,
  config: TrainConfig,
): Promise<TrainState> {
  const { runDir, data } = options;
  const file: RunConfigFile = {
    format: 'lgm-run-1',
    config,
    inputShape: data.inputShape,
    numClasses: data.numClasses,
  };
  if (!options.resume) {
    const found = existingRunFile(await readdir(runDir));
    if (found !== null) {
      throw new LgmError(
        `train: ${runDir} must be a new run directory (or pass --resume), got one holding ${found}`,
      );
    }
    await writeRunConfig(runDir, file);
    await writeNormalization(runDir, data.normalization, data.inputShape);
    return initialState(config.seed);
  }
  await checkMetricsFile(runDir);
  const saved = await readRunConfig(runDir);
  const diff = configDifferences(saved, file);
  if (diff.length > 0) {
    // A learned-variance run begun before the variance prior existed reads variancePrior 0 (readRunConfig).
    const priorOf = (c: TrainConfig) => (c.loss.options as { variancePrior?: unknown }).variancePrior;
    const hint =
      priorOf(saved.config) === 0 && priorOf(file.config) !== 0
        ? '\n(this run was begun without the variance prior: pass --variance-prior 0 to continue it as it began)'
        : '';
    throw new LgmError(
      `train --resume: the config must equal the run's, got differences:\n  ${diff.join('\n  ')}${hint}`,
    );
  }
  // A run begun by an lgm that did not write normalization.json gets it now.
  if (!existsSync(join(runDir, NORMALIZATION_FILE))) {
    await writeNormalization(runDir, data.normalization, data.inputShape);
  }
  await removeStaleTemps(runDir);
  const checkpoint = await readCheckpoint(runDir);
  if (checkpoint === null) return initialState(config.seed);
  const state = parseState(join(checkpoint.dir, 'state.json'), checkpoint.state);
  const get = (k: string) => checkpoint.tensors.get(k);
  loadModelTensors(model, get, join(checkpoint.dir, 'tensors.bin'));
  optimizer.load(get, state.step);
  return state;
}

/**
 * Trains a model as `config` says, writing the run directory (config.json, metrics.jsonl, checkpoint/ every
 * epoch and on interrupt, features.json and mixture.json at the end). Deterministic for a fixed seed: a resumed
 * run writes the same metrics (timings aside) and weights as an uninterrupted one.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const reporter = options.reporter ?? silentReporter;
  const lock = { create: options.resume !== true, note: reporter.note };
  return withRunLock('train', options.runDir, lock, () => lockedTrainRun(options, reporter));
}

/** Which step went bad, and that the last good checkpoint is kept (the error of a diverged run). */
function divergence(what: string, state: TrainState, lastGood: number | null): LgmError {
  const kept =
    lastGood === null ? 'no checkpoint was written' : `the last good checkpoint (step ${lastGood}) is kept`;
  return new LgmError(
    `train: ${what} at step ${state.step} (epoch ${state.epoch + 1}); ${kept} (lower the learning rate or check the data)`,
  );
}

async function lockedTrainRun(options: TrainRunOptions, reporter: ProgressReporter): Promise<TrainRunResult> {
  const { data } = options;
  const custom = await loadCustomNetwork(options.config.net, data.inputShape);
  const model = buildModel(options.config, data.inputShape, data.numClasses, custom);
  const config = finalConfig(options.config, model);
  const trainer = configTrainer(model, config, data.train);
  let lastGood: number | null = null;
  try {
    const state = await openRun(options, model, trainer.optimizer, config);
    trainer.initialize(state);
    if (options.resume) {
      lastGood = state.step;
      await truncateMetrics(options.runDir, state.step + 1, state.epoch + 1);
      reporter.note(
        `resuming ${options.runDir} at epoch ${state.epoch + 1}, batch ${state.batch} (step ${state.step})`,
      );
    }
  } catch (error) {
    trainer.dispose();
    disposeModel(model);
    throw error;
  }
  const checkpoint = async (s: TrainState) => {
    try {
      await writeCheckpoint(
        options.runDir,
        { ...modelTensors(model), ...trainer.optimizer.state() },
        { ...s },
        options.hooks,
      );
    } catch (error) {
      if (!(error instanceof NonFiniteCheckpointError)) throw error;
      throw divergence(`the weights must stay finite, got NaN or Infinity in ${error.tensor}`, s, lastGood);
    }
    lastGood = s.step;
  };
  const ctx: RunContext = {
    checkpoint,
    divergence: (what, s) => divergence(what, s, lastGood),
    checkpointEvery: options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    model,
    trainer,
    config,
    reporter,
    options,
  };
  try {
    return await trainAll(ctx);
  } finally {
    trainer.dispose();
  }
}

/** What the loop around the Trainer needs. */
interface RunContext {
  model: TrainableModel;
  trainer: Trainer;
  config: TrainConfig;
  reporter: ProgressReporter;
  options: TrainRunOptions;
  /** Writes a checkpoint of `state` (refusing non-finite weights). */
  checkpoint: (state: TrainState) => Promise<void>;
  /** The error of a diverged run at `state`. */
  divergence: (what: string, state: TrainState) => LgmError;
  checkpointEvery: CheckpointEvery;
}

/**
 * Steps the Trainer to the end of the run, writing step records, checkpoints (within epochs as due, at every
 * epoch end, on interrupt), the epoch evaluations, and features.json and mixture.json at the end.
 */
async function trainAll(ctx: RunContext): Promise<TrainRunResult> {
  const { model, trainer, config, reporter, options } = ctx;
  const { data, runDir } = options;
  const state = trainer.state;
  let evaluation: Evaluation | null = null;
  while (state.epoch < config.epochs) {
    if (!(await trainEpoch(ctx))) {
      await ctx.checkpoint(state);
      reporter.note(
        `interrupted: checkpoint written at epoch ${state.epoch + 1}, batch ${state.batch} (step ${state.step}); continue with: lgm train --resume ${runDir}`,
      );
      return { completed: false, state, model, evaluation: null, config };
    }
    const endValues = lossValues(config, state.step, state.epoch + 1);
    try {
      evaluation = await evaluate(model, data.test, { values: endValues });
    } catch (error) {
      if (!(error instanceof LgmError)) throw error;
      throw ctx.divergence(`the test evaluation must succeed, got "${error.message}"`, state);
    }
    if (!Number.isFinite(evaluation.loss)) {
      throw ctx.divergence(`the test loss must be finite, got ${evaluation.loss}`, state);
    }
    await appendMetrics(runDir, [epochRecord(state, config, model, evaluation, endValues)]);
    reporter.epoch(epochLine(state, config, evaluation));
    trainer.endEpoch();
    await ctx.checkpoint(state);
  }
  // Resuming a run whose last epoch was already done: evaluate once for features.json.
  evaluation ??= await evaluate(model, data.test, { values: lossValues(config, state.step, state.epoch) });
  await writeFeatures(runDir, model, evaluation);
  await writeMixture(runDir, model);
  return { completed: true, state, model, evaluation, config };
}

/**
 * Trains the rest of the current epoch, one Trainer step at a time, appending step records as they come.
 * Resolves to false when interrupted (signal or stopAfterSteps), true at the end of the epoch.
 */
async function trainEpoch(ctx: RunContext): Promise<boolean> {
  const { model, trainer, config, reporter, options } = ctx;
  const state = trainer.state;
  const batches = options.data.train.batchesPerEpoch;
  let windowStart = performance.now();
  let windowImages = 0;
  let lastCheckpoint = { step: state.step, time: performance.now() };
  while (!trainer.atEpochEnd) {
    let result: StepResult;
    try {
      result = trainer.step();
    } catch (error) {
      if (!(error instanceof LgmError)) throw error;
      throw ctx.divergence(`the step must succeed, got "${error.message}"`, {
        ...state,
        step: state.step + 1,
      });
    }
    if (!Number.isFinite(result.loss)) {
      throw ctx.divergence(`the loss must stay finite, got ${result.loss}`, state);
    }
    windowImages += result.images;
    const ips = state.seen / Math.max(state.seconds, 1e-9);
    reporter.step({
      epoch: state.epoch,
      epochs: config.epochs,
      batch: state.batch,
      batches,
      loss: state.lossSum / state.seen,
      accuracy: state.correct / state.seen,
      imagesPerSecond: ips,
      etaSeconds: ((batches - state.batch) * result.images) / ips,
    });
    if (state.step % config.logEvery === 0) {
      const now = performance.now();
      const { loss, classificationLoss, auxiliaryLoss, accuracy } = result;
      await appendMetrics(options.runDir, [
        {
          type: 'step',
          step: state.step,
          epoch: state.epoch + 1,
          loss,
          classificationLoss,
          auxiliaryLoss,
          accuracy,
          lr: result.lr,
          ...resolvedValues(model, result.values),
          imagesPerSecond: (windowImages * 1000) / Math.max(now - windowStart, 1e-6),
          time: new Date().toISOString(),
        },
      ]);
      windowStart = now;
      windowImages = 0;
    }
    if (options.signal?.aborted || state.step === options.stopAfterSteps) return false;
    const now = performance.now();
    if (!trainer.atEpochEnd && checkpointDue(ctx.checkpointEvery, lastCheckpoint, state.step, now)) {
      await ctx.checkpoint(state);
      lastCheckpoint = { step: state.step, time: performance.now() };
    }
  }
  return true;
}
