/**
 * The app's state and actions: one network with its trainer, the latest evaluation, the probed input and its
 * adversarial version. The DOM wiring lives in main.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { datasetTensors, fgsm, type CovarianceKind, type LgmModel } from 'lgm/core';
import type { DigitSubset } from './data/subset.js';
import { DigitNetwork, type LossKind, type LossWeights } from './model/network.js';
import { Trainer, type StepStats } from './model/trainer.js';
import {
  evaluate,
  probe,
  type Calibration,
  type EvalSet,
  type Evaluation,
  type Probe,
} from './model/evaluate.js';
import { fgsmRate, type FgsmRate } from './model/fgsm-rate.js';
import type { SavedState } from './model/storage.js';
import { exportCheck, type ExportCheck } from './model/export-check.js';
import type { Settings } from './settings.js';

/** Callbacks into the page. */
export interface AppView {
  lossWeights(): LossWeights;
  onStep(stats: StepStats): void;
  /** Training paused by itself (settings.stopAfter batches trained). */
  onPaused(batches: number): void;
  onEvaluation(evaluation: Evaluation, batches: number): void;
  onProbe(input: Probe | null, adversarial: Probe | null): void;
  /** The FGSM flag rate on test digits (null: none for this network yet), measured after `batches`. */
  onRate(rate: FgsmRate | null, batches: number): void;
  onError(error: unknown): void;
}

export interface Probed {
  pixels: Float32Array;
  result: Probe;
}

/** Test digits the FGSM flag rate is measured on (held out from training and calibration). */
export const RATE_DIGITS = 100;

export class App {
  net: DigitNetwork;
  private trainer: Trainer;
  private readonly evalSet: EvalSet;
  private readonly rateImages: tf.Tensor4D;
  /** The latest FGSM flag rate, the state and eps it was measured for, and the batches trained then. */
  private lastRate: { key: string; rate: FgsmRate; batches: number } | null = null;
  evaluation: Evaluation | null = null;
  /** The calibration in force (the latest evaluation's, or a loaded one until the next evaluation). */
  calibration: Calibration | null = null;
  input: Probed | null = null;
  adversarial: Probed | null = null;
  /** The step the adversarial example was made with. */
  adversarialEps = 0;
  private evaluatedAt = -1;

  constructor(
    private readonly data: DigitSubset,
    readonly settings: Settings,
    private readonly view: AppView,
    spec: { loss: LossKind; covariance: CovarianceKind },
  ) {
    const indices = Array.from({ length: settings.evalSize }, (_, i) => i);
    const { x } = datasetTensors(data.validation, { indices });
    this.evalSet = { x, labels: data.validation.labels.slice(0, settings.evalSize) };
    const rateIndices = Array.from({ length: Math.min(RATE_DIGITS, data.test.count) }, (_, i) => i);
    this.rateImages = datasetTensors(data.test, { indices: rateIndices }).x;
    this.net = DigitNetwork.create({ ...spec, seed: settings.seed });
    this.trainer = this.makeTrainer(0);
  }

  private makeTrainer(batchesBefore: number): Trainer {
    return new Trainer(
      this.net,
      this.data.train,
      {
        batchSize: this.settings.batchSize,
        learningRate: this.settings.learningRate,
        mixtureLearningRate: this.settings.mixtureLearningRate,
        seed: this.settings.seed,
        batchesBefore,
      },
      () => this.view.lossWeights(),
      async (stats) => {
        this.view.onStep(stats);
        if (stats.batches % this.settings.evalEvery === 0) await this.refresh();
        if (stats.batches === this.settings.stopAfter) {
          // The loop exits once this callback returns; pause() resolves after it.
          void this.pause().then(
            () => this.view.onPaused(this.batches),
            (error: unknown) => this.view.onError(error),
          );
        }
      },
      (error) => this.view.onError(error),
    );
  }

  get running(): boolean {
    return this.trainer.running;
  }

  get batches(): number {
    return this.trainer.batchesTrained;
  }

  start(): void {
    this.trainer.start();
  }

  /** Pauses and evaluates the final state (unless it was just evaluated). */
  async pause(): Promise<void> {
    await this.trainer.pause();
    if (this.evaluatedAt !== this.batches) await this.refresh();
  }

  /** Evaluates, recalibrates and re-probes the current input. */
  async refresh(): Promise<void> {
    this.evaluation = await evaluate(this.net, this.evalSet, this.settings.flagRate);
    this.calibration = this.evaluation.calibration;
    this.evaluatedAt = this.batches;
    await this.reprobe();
    this.view.onEvaluation(this.evaluation, this.batches);
  }

  /** Replaces the network (fresh, or loaded with its state) and evaluates it. */
  async replace(net: DigitNetwork, state: SavedState | null): Promise<void> {
    await this.trainer.pause();
    this.trainer.dispose();
    this.net.dispose();
    this.net = net;
    this.trainer = this.makeTrainer(state?.batches ?? 0);
    this.adversarial = null;
    this.lastRate = null;
    this.view.onRate(null, 0);
    this.calibration = state?.calibration ?? null;
    await this.refresh();
  }

  async reset(spec: { loss: LossKind; covariance: CovarianceKind }): Promise<void> {
    await this.replace(DigitNetwork.create({ ...spec, seed: this.settings.seed }), null);
  }

  private async score(pixels: Float32Array): Promise<Probe> {
    if (this.calibration === null) throw new Error('probe: the network has not been evaluated yet');
    const image = tf.tensor4d(pixels, [1, 28, 28, 1]);
    try {
      return await probe(this.net, image, this.calibration);
    } finally {
      image.dispose();
    }
  }

  /** Scores a new input (null: cleared); the old adversarial example no longer applies. */
  async setInput(pixels: Float32Array | null): Promise<void> {
    this.adversarial = null;
    this.input = pixels === null ? null : { pixels, result: await this.score(pixels) };
    this.view.onProbe(this.input?.result ?? null, null);
  }

  private async reprobe(): Promise<void> {
    if (this.input !== null) this.input.result = await this.score(this.input.pixels);
    if (this.adversarial !== null) this.adversarial.result = await this.score(this.adversarial.pixels);
    this.view.onProbe(this.input?.result ?? null, this.adversarial?.result ?? null);
  }

  /** Makes the FGSM version of the current input (away from its predicted class) and scores it. */
  async attack(eps: number): Promise<Probed> {
    if (this.input === null) throw new Error('FGSM: draw a digit first');
    if (!(eps > 0 && eps <= 1)) throw new Error(`FGSM: eps must be in (0, 1], got ${eps}`);
    const image = tf.tensor4d(this.input.pixels, [1, 28, 28, 1]);
    const label = tf.tensor1d([this.input.result.predicted], 'int32');
    const { adversarial } = fgsm(this.net, image, label, { epsilon: eps });
    const pixels = (await adversarial.data()) as Float32Array;
    tf.dispose([image, label, adversarial]);
    this.adversarial = { pixels, result: await this.score(pixels) };
    this.adversarialEps = eps;
    this.view.onProbe(this.input.result, this.adversarial.result);
    await this.measureRate(eps);
    return this.adversarial;
  }

  /** Measures the FGSM flag rate on the test digits, unless it is already known for this state and eps. */
  private async measureRate(eps: number): Promise<void> {
    const calibration = this.calibration;
    if (calibration === null) throw new Error('FGSM: the network has not been evaluated yet');
    const key = `${this.batches}|${eps}|${calibration.threshold}`;
    if (this.lastRate?.key !== key) {
      const rate = await fgsmRate(this.net, this.rateImages, calibration, eps);
      this.lastRate = { key, rate, batches: this.batches };
    }
    this.view.onRate(this.lastRate.rate, this.lastRate.batches);
  }

  /** An lgm export's predictions on the test digits of the FGSM rate (see exportCheck). */
  checkExport(exported: LgmModel): Promise<ExportCheck> {
    return exportCheck(exported, this.rateImages, this.data.test.labels);
  }

  /** The state saved beside the weights. */
  savedState(): SavedState {
    return {
      weights: this.view.lossWeights(),
      batches: this.batches,
      calibration: this.calibration,
      normalization: this.net.normalization,
    };
  }
}
