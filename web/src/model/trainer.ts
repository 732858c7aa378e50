/**
 * The live training loop: lgm's step-level Trainer (the code `lgm train` runs) driven one batch per animation
 * frame so the page stays responsive. Adam on LeNet++ + head; loss weights are read before every batch, so
 * alpha and lambda take effect while training runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Trainer as StepTrainer,
  createPipeline,
  initialState,
  type ImageDataset,
  type OptimizerConfig,
  type Param,
} from 'lgm/core';
import type { DigitNetwork, LossWeights } from './network.js';

export interface TrainerOptions {
  /** Images per batch, integer >= 1. */
  batchSize: number;
  /** Adam learning rate of LeNet++ (and of a softmax head), > 0. */
  learningRate: number;
  /**
   * Adam learning rate of the Gaussian-mixture parameters, > 0. Adam moves each parameter by about its
   * learning rate per step, so at the network's rate the means could travel only ~0.1 per 100 batches while the
   * features spread over several units: the Gaussians would stay overlapped at the origin, away from their
   * classes, and the likelihood would say little.
   */
  mixtureLearningRate: number;
  /** Seed of the batch order. */
  seed: number;
  /** Batches already trained (a loaded model): the count continues from here. Default 0. */
  batchesBefore?: number;
}

/** Numbers shown after each batch. */
export interface StepStats {
  /** Batches trained since the network was built. */
  batches: number;
  /** Loss of the last batch. */
  loss: number;
  /** Accuracy of the training logits over the recent batches. */
  trainAccuracy: number;
  /** Training throughput over the recent batches (forward + backward + update). */
  imagesPerSecond: number;
}

const WINDOW = 10;
/** Batches trained with the network's learning rate for the mixture before switching to its own rate. */
export const MIXTURE_WARMUP = 100;

/** Adam as TF.js's tf.train.adam defaults it (epsilon 1e-7), without weight decay. */
const ADAM: OptimizerConfig = {
  name: 'adam',
  momentum: 0,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  weightDecay: 0,
  mixtureLrMultiplier: 1,
};

/**
 * lgm's Trainer for the page's network: Adam at `learningRate`, the mixture's parameters at it for the first
 * MIXTURE_WARMUP batches and at `mixtureLearningRate` after, loss weights read before every batch, batches in
 * the seeded order of src/data's pipeline, for ever (the page pauses it). Initialised to continue the count
 * from `batchesBefore`.
 */
export function createStepTrainer(
  net: DigitNetwork,
  data: ImageDataset,
  options: TrainerOptions,
  weights: () => LossWeights,
): StepTrainer {
  const mixture = new Set(net.mixtureVariables().map((v) => v.name));
  const params: Param[] = net.variables().map((variable) => ({
    key: variable.name,
    variable,
    decay: false,
    lrScale: mixture.has(variable.name) ? options.mixtureLearningRate / options.learningRate : 1,
  }));
  const trainer = new StepTrainer({
    objective: (x, y, values) =>
      net.trainingLoss(x, y, { alpha: values.alpha ?? 0, lambda: values.lambda ?? 0 }),
    params,
    optimizer: ADAM,
    train: createPipeline(data, { batchSize: options.batchSize, seed: options.seed, dropRemainder: true }),
    epochs: Infinity,
    learningRate: () => options.learningRate,
    lossValues: () => weights(),
    lrScale: (param, at) => (at.step < MIXTURE_WARMUP ? 1 : param.lrScale),
    seed: options.seed,
  });
  trainer.initialize({ ...initialState(options.seed), step: options.batchesBefore ?? 0 });
  return trainer;
}

export class Trainer {
  private readonly trainer: StepTrainer;
  private readonly recent: { images: number; correct: number; seconds: number }[] = [];
  private loop: Promise<void> | null = null;
  private stop: AbortController | null = null;

  constructor(
    net: DigitNetwork,
    data: ImageDataset,
    options: TrainerOptions,
    weights: () => LossWeights,
    /** Called after every batch, awaited before the next one (the app evaluates and redraws here). */
    private readonly onStep: (stats: StepStats) => Promise<void>,
    /** Called when a batch throws; the loop stops. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.trainer = createStepTrainer(net, data, options, weights);
  }

  get running(): boolean {
    return this.loop !== null;
  }

  get batchesTrained(): number {
    return this.trainer.state.step;
  }

  start(): void {
    if (this.loop !== null) return;
    const stop = new AbortController();
    this.stop = stop;
    this.loop = this.run(stop.signal).finally(() => {
      this.loop = null;
    });
  }

  /** Stops after the current batch; resolves when the loop has exited. */
  async pause(): Promise<void> {
    this.stop?.abort();
    await this.loop;
  }

  private stats(result: { loss: number; accuracy: number; images: number; seconds: number }): StepStats {
    this.recent.push({
      images: result.images,
      correct: result.accuracy * result.images,
      seconds: result.seconds,
    });
    if (this.recent.length > WINDOW) this.recent.shift();
    const sum = this.recent.reduce(
      (a, r) => ({
        images: a.images + r.images,
        correct: a.correct + r.correct,
        seconds: a.seconds + r.seconds,
      }),
      { images: 0, correct: 0, seconds: 0 },
    );
    return {
      batches: this.batchesTrained,
      loss: result.loss,
      trainAccuracy: sum.correct / sum.images,
      imagesPerSecond: sum.images / Math.max(sum.seconds, 1e-6),
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      await this.trainer.fitAsync({
        signal,
        onStep: (result) => this.onStep(this.stats(result)),
        // Yield to the browser so clicks, keys and painting are handled between batches.
        between: () => tf.nextFrame(),
      });
    } catch (error) {
      this.onError(error);
    }
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
