import type * as tf from '@tensorflow/tfjs-core';
import type { LossStepValues } from '../losses/module.js';
import { LgmError } from '../util/errors.js';
import type { OptimizerConfig } from './config.js';
import type { BatchSource, TrainBatch } from './data.js';
import { Optimizer, type Param } from './optimizer.js';
import { TrainState, initialState } from './state.js';
import { StepMetrics, StepObjective, trainStep } from './step.js';

/** Where a step stands in the run: its schedules are functions of this. */
export interface StepPosition {
  /** Steps completed before this one. */
  step: number;
  /** The epoch as a fraction: epoch index + completed batches / batches per epoch. */
  epochFloat: number;
}

/** Options of a Trainer. */
export interface TrainerOptions {
  /** The loss of one batch (modelObjective(model) for a TrainableModel). */
  objective: StepObjective;
  /** The parameters the optimizer updates (trainableParams(model, ...) for a TrainableModel). */
  params: readonly Param[];
  optimizer: OptimizerConfig;
  /** The training batches; an epoch is one pass over them. */
  train: BatchSource;
  /** Epochs to train, an integer >= 1, or Infinity (a page trains until paused). */
  epochs: number;
  /** The learning rate of each step. */
  learningRate: (at: StepPosition) => number;
  /** alpha and lambda of each step (read before every step: they may change while training runs). Default {}. */
  lossValues?: (at: StepPosition) => LossStepValues;
  /** A parameter's learning-rate multiplier at a step. Default its lrScale. */
  lrScale?: (param: Param, at: StepPosition) => number;
  /** Seed recorded in the state (the batch order is the source's). Default 0. */
  seed?: number;
}

/** What one step returns: its metrics and where the run stands after it. */
export interface StepResult extends StepMetrics {
  /** Steps completed, this one included. */
  step: number;
  /** The epoch (0-based) this batch belongs to. */
  epoch: number;
  /** Batches of this epoch completed, this one included. */
  batch: number;
  /** Images in the batch. */
  images: number;
  lr: number;
  values: LossStepValues;
  /** Seconds the step took (forward, backward, update, the one read). */
  seconds: number;
  /** Whether this was the last batch of its epoch. */
  endOfEpoch: boolean;
}

/** Options of fitAsync. */
export interface FitAsyncOptions {
  /** Called after every step and awaited; returning false stops the loop after this step. */
  onStep?: (result: StepResult) => void | boolean | Promise<void | boolean>;
  /** Stops the loop after the current step when aborted. */
  signal?: AbortSignal;
  /** Awaited between steps (a browser passes tf.nextFrame so that the page stays responsive). */
  between?: () => Promise<void>;
}

/**
 * The training loop at step level (the shape of umap-js's initializeFit + step): `initialize` sets the start
 * (fresh or a resumed state), each `step()` trains one batch and returns its metrics. A step does no file I/O and
 * reads back only its four metrics (one synchronisation), so the same code runs a CLI run (trainRun adds the run
 * directory around it) and a browser page (one step per animation frame). `fit` and `fitAsync` loop to the end.
 */
export class Trainer {
  /** The optimizer (its state is checkpointed and restored by the caller). */
  readonly optimizer: Optimizer;
  private readonly varList: tf.Variable[];
  private current: TrainState | null = null;
  private batches: Iterator<TrainBatch> | null = null;

  constructor(private readonly options: TrainerOptions) {
    const { epochs, train } = options;
    if (!(epochs === Infinity || (Number.isInteger(epochs) && epochs >= 1))) {
      throw new LgmError(`Trainer: epochs must be an integer >= 1 or Infinity, got ${epochs}`);
    }
    if (!(Number.isInteger(train.batchesPerEpoch) && train.batchesPerEpoch >= 1)) {
      throw new LgmError(
        `Trainer: train.batchesPerEpoch must be an integer >= 1, got ${train.batchesPerEpoch}`,
      );
    }
    this.optimizer = new Optimizer(options.optimizer, options.params);
    this.varList = options.params.map((p) => p.variable);
  }

  /**
   * Sets where training starts: a fresh state (default) or one saved by a checkpoint (restore the optimizer's
   * state separately). Resolves to the number of steps left (Infinity for endless training).
   */
  initialize(state: TrainState = initialState(this.options.seed ?? 0)): number {
    const batches = this.options.train.batchesPerEpoch;
    if (!(state.batch <= batches)) {
      throw new LgmError(
        `Trainer.initialize: state.batch must be at most the ${batches} batches of an epoch, got ${state.batch}`,
      );
    }
    this.current = { ...state };
    this.batches = null;
    return (this.options.epochs - state.epoch) * batches - state.batch;
  }

  /** The live state (the caller may checkpoint it; only the Trainer changes it). */
  get state(): TrainState {
    if (this.current === null) throw new LgmError('Trainer: initialize() must come before training');
    return this.current;
  }

  /** Whether every batch of the current epoch is trained (its end-of-epoch work may still be due). */
  get atEpochEnd(): boolean {
    return this.state.batch >= this.options.train.batchesPerEpoch;
  }

  /** Whether every epoch is trained. */
  get done(): boolean {
    const s = this.state;
    return s.epoch >= this.options.epochs || (s.epoch === this.options.epochs - 1 && this.atEpochEnd);
  }

  /** The position of the next step. */
  position(): StepPosition {
    const s = this.state;
    return { step: s.step, epochFloat: s.epoch + s.batch / this.options.train.batchesPerEpoch };
  }

  /** Moves to the next epoch (its running sums start at 0). step() does this itself after an epoch's last batch. */
  endEpoch(): void {
    Object.assign(this.state, {
      epoch: this.state.epoch + 1,
      batch: 0,
      seen: 0,
      lossSum: 0,
      correct: 0,
      seconds: 0,
    });
    this.batches = null;
  }

  private nextBatch(): TrainBatch {
    const { train } = this.options;
    this.batches ??= train.epoch(this.state.epoch, this.state.batch)[Symbol.iterator]();
    const next = this.batches.next();
    if (next.done === true) {
      throw new LgmError(
        `Trainer.step: the batch source must yield ${train.batchesPerEpoch} batches per epoch, got ${this.state.batch}`,
      );
    }
    return next.value;
  }

  /**
   * Trains one batch: the next of the current epoch (after an epoch's last batch, the first of the next).
   * Throws when every epoch is trained. A step that throws leaves the state where it was.
   */
  step(): StepResult {
    if (this.done) throw new LgmError(`Trainer.step: all ${this.options.epochs} epochs are trained`);
    if (this.atEpochEnd) this.endEpoch();
    const state = this.state;
    const batch = this.nextBatch();
    const t0 = performance.now();
    const at = this.position();
    const lr = this.options.learningRate(at);
    const values = this.options.lossValues?.(at) ?? {};
    const n = batch.y.shape[0];
    let metrics: StepMetrics;
    const scale = this.options.lrScale;
    const update = (grads: Record<string, tf.Tensor>) =>
      this.optimizer.apply(grads, lr, scale === undefined ? undefined : (p) => scale(p, at));
    try {
      metrics = trainStep(this.options.objective, this.varList, batch, values, update);
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    state.step++;
    state.batch++;
    state.seen += n;
    state.lossSum += metrics.loss * n;
    state.correct += metrics.accuracy * n;
    state.seconds += seconds;
    return {
      ...metrics,
      step: state.step,
      epoch: state.epoch,
      batch: state.batch,
      images: n,
      lr,
      values,
      seconds,
      endOfEpoch: this.atEpochEnd,
    };
  }

  /** Trains to the end (a finite number of epochs), calling onStep after every step. */
  fit(onStep?: (result: StepResult) => void): TrainState {
    if (this.options.epochs === Infinity)
      throw new LgmError('Trainer.fit: epochs must be finite, got Infinity');
    while (!this.done) {
      const result = this.step();
      onStep?.(result);
    }
    return this.state;
  }

  /**
   * Trains until done, aborted, or onStep returns false; awaits onStep and `between` after every step, so a
   * page can redraw between batches. Resolves to the state.
   */
  async fitAsync(options: FitAsyncOptions = {}): Promise<TrainState> {
    while (!this.done && options.signal?.aborted !== true) {
      const result = this.step();
      if ((await options.onStep?.(result)) === false) break;
      if (options.between !== undefined && !this.done) await options.between();
    }
    return this.state;
  }

  /** Frees the optimizer's state (the model's variables belong to the caller). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
