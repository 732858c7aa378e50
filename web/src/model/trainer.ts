/**
 * The live training loop: Adam on LeNet++ + head, one batch per animation frame so the page stays responsive.
 * Loss weights are read before every batch, so alpha and lambda take effect while training runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createPipeline, type Batch, type Pipeline } from '../../../src/data/pipeline.js';
import type { ImageDataset } from '../../../src/data/dataset.js';
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

export class Trainer {
  private readonly optimizer: tf.Optimizer;
  /** Adam for the mixture during the warm-up, then Adam at the mixture's own rate (fresh moments). */
  private readonly mixtureOptimizers: [tf.Optimizer, tf.Optimizer];
  private readonly pipeline: Pipeline;
  private batches: Generator<Batch, void, undefined>;
  private epoch = 0;
  private count = 0;
  private readonly recent: { images: number; correct: number; ms: number }[] = [];
  private loop: Promise<void> | null = null;
  private stopRequested = false;

  constructor(
    private readonly net: DigitNetwork,
    data: ImageDataset,
    options: TrainerOptions,
    private readonly weights: () => LossWeights,
    /** Called after every batch, awaited before the next one (the app evaluates and redraws here). */
    private readonly onStep: (stats: StepStats) => Promise<void>,
    /** Called when a batch throws; the loop stops. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.optimizer = tf.train.adam(options.learningRate);
    this.mixtureOptimizers = [
      tf.train.adam(options.learningRate),
      tf.train.adam(options.mixtureLearningRate),
    ];
    this.pipeline = createPipeline(data, {
      batchSize: options.batchSize,
      seed: options.seed,
      dropRemainder: true,
    });
    this.count = options.batchesBefore ?? 0;
    this.batches = this.pipeline.epoch(0);
  }

  get running(): boolean {
    return this.loop !== null;
  }

  get batchesTrained(): number {
    return this.count;
  }

  start(): void {
    if (this.loop !== null) return;
    this.stopRequested = false;
    this.loop = this.run().finally(() => {
      this.loop = null;
    });
  }

  /** Stops after the current batch; resolves when the loop has exited. */
  async pause(): Promise<void> {
    this.stopRequested = true;
    await this.loop;
  }

  private nextBatch(): Batch {
    let next = this.batches.next();
    if (next.done === true) {
      this.epoch++;
      this.batches = this.pipeline.epoch(this.epoch);
      next = this.batches.next();
    }
    if (next.done === true) throw new Error('Trainer: the training set yields no batch');
    return next.value;
  }

  private async step(): Promise<StepStats> {
    const batch = this.nextBatch();
    const started = performance.now();
    let predicted: tf.Tensor | null = null;
    const weights = this.weights();
    const mixtureNames = new Set(this.net.mixtureVariables().map((v) => v.name));
    const { value: loss, grads } = tf.variableGrads(() => {
      const result = this.net.trainingLoss(batch.x, batch.y, weights);
      predicted = tf.keep(tf.argMax(result.logits, 1));
      return result.loss;
    }, this.net.variables());
    const split = (mixture: boolean) =>
      Object.fromEntries(Object.entries(grads).filter(([name]) => mixtureNames.has(name) === mixture));
    this.optimizer.applyGradients(split(false));
    if (mixtureNames.size > 0) {
      this.mixtureOptimizers[this.count < MIXTURE_WARMUP ? 0 : 1].applyGradients(split(true));
    }
    tf.dispose(grads);
    const kept = predicted as tf.Tensor | null;
    if (kept === null) throw new Error('Trainer: the loss function did not run');
    const [lossValue, guesses, labels] = await Promise.all([loss.data(), kept.data(), batch.y.data()]);
    tf.dispose([loss, kept, batch.x, batch.y]);
    let correct = 0;
    for (let i = 0; i < labels.length; i++) if (guesses[i] === labels[i]) correct++;
    this.recent.push({ images: labels.length, correct, ms: performance.now() - started });
    if (this.recent.length > WINDOW) this.recent.shift();
    this.count++;
    const sum = this.recent.reduce(
      (a, r) => ({ images: a.images + r.images, correct: a.correct + r.correct, ms: a.ms + r.ms }),
      {
        images: 0,
        correct: 0,
        ms: 0,
      },
    );
    return {
      batches: this.count,
      loss: lossValue[0],
      trainAccuracy: sum.correct / sum.images,
      imagesPerSecond: (1000 * sum.images) / Math.max(sum.ms, 1e-3),
    };
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopRequested) {
        await this.onStep(await this.step());
        // Yield to the browser so clicks, keys and painting are handled between batches.
        await tf.nextFrame();
      }
    } catch (error) {
      this.onError(error);
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const optimizer of this.mixtureOptimizers) optimizer.dispose();
  }
}
