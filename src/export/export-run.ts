/**
 * `lgm export`: a trained run as a standard TF.js LayersModel (the run's network followed by lgm's
 * GaussianMixture layer, or a dense layer for softmax-style runs) plus the metadata a loader needs: the input
 * normalisation and the "unfamiliar" threshold calibrated on clean training images (never the test set).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GaussianMixtureLayer } from '../layers/gaussian-mixture.js';
import { LgmLossModule } from '../losses/lgm-module.js';
import { loadInputs } from '../detect/input-sets.js';
import { fileSystem } from '../io/file-system.js';
import { loadRun, type LoadedRun } from '../train/run.js';
import type { TrainableModel } from '../train/model.js';
import { LgmError } from '../util/errors.js';
import { LgmModel, lowerQuantile } from './lgm-model.js';
import { LGM_METADATA_KEY, LGM_MODEL_FORMAT, type LgmModelMetadata } from './metadata.js';

/** Options of `exportRun`. */
export interface ExportOptions {
  /** Fraction of the clean calibration images the flag fires on, in (0, 1). Default 0.05. */
  flagRate?: number;
  /** Training images the threshold is calibrated on (the run's first ones). Default 5000. */
  calibrationImages?: number;
  /** Images per batch while calibrating. Default 256. */
  batchSize?: number;
}

/** What `exportRun` wrote. */
export interface ExportResult {
  dir: string;
  metadata: LgmModelMetadata;
}

const HEAD_LAYER = 'head';
/** Loss modules whose inference logits are x W + b (their weights are named kernel and bias). */
const LINEAR_HEADS = ['softmax', 'center'];

/** The head layer that computes `model.loss.logits`, built on `features` and given the loss's weights. */
function headLayer(
  model: TrainableModel,
  features: tfl.SymbolicTensor,
): { layer: tfl.layers.Layer; logits: tfl.SymbolicTensor } {
  const loss = model.loss;
  const byName = (name: string) => loss.weights.find((w) => w.name === name)?.variable;
  if (loss instanceof LgmLossModule) {
    const { covariance, alpha, lambda, logDet, minLogVariance, learnPriors, variancePrior } = loss.options;
    const layer = new GaussianMixtureLayer({
      numClasses: model.numClasses,
      covariance,
      alpha,
      lambda,
      logDet,
      minLogVariance,
      learnPriors,
      variancePrior,
      // No host reads per call: the exported model runs in browsers, where they would stall the GPU.
      checkValues: false,
      name: HEAD_LAYER,
    });
    const logits = layer.apply(features) as tfl.SymbolicTensor;
    const params = loss.params();
    // Without learnt priors the module has none: zeros are the same uniform prior.
    const uniform = tf.zeros([model.numClasses]);
    const values: Record<string, tf.Tensor | undefined> = {
      means: params.means,
      logVariances: params.logVariances,
      logPriors: params.logPriors ?? uniform,
    };
    layer.setWeights(layer.weights.map((w) => values[w.originalName.split('/').pop() ?? ''] as tf.Tensor));
    uniform.dispose();
    return { layer, logits };
  }
  if (LINEAR_HEADS.includes(loss.name)) {
    const layer = tfl.layers.dense({ units: model.numClasses, name: HEAD_LAYER });
    const logits = layer.apply(features) as tfl.SymbolicTensor;
    layer.setWeights([byName('kernel') as tf.Tensor, byName('bias') as tf.Tensor]);
    return { layer, logits };
  }
  throw new LgmError(
    `export: the run's loss must be lgm or one with a linear softmax head (${LINEAR_HEADS.join(', ')}), got ${loss.name}`,
  );
}

/** The run's network and head as one LayersModel: normalised images -> inference logits. */
export function exportModel(run: LoadedRun): { model: tfl.LayersModel; head: tfl.layers.Layer } {
  const input = tfl.input({ shape: run.model.inputShape, name: 'image' });
  const features = run.model.net.apply(input) as tfl.SymbolicTensor;
  const { layer, logits } = headLayer(run.model, features);
  return { model: tfl.model({ inputs: input, outputs: logits, name: 'lgm_model' }), head: layer };
}

function checkOptions(options: ExportOptions): Required<ExportOptions> {
  const flagRate = options.flagRate ?? 0.05;
  if (!(flagRate > 0 && flagRate < 1))
    throw new LgmError(`export: flagRate must be in (0, 1), got ${flagRate}`);
  const calibrationImages = options.calibrationImages ?? 5000;
  const batchSize = options.batchSize ?? 256;
  for (const [name, v] of [
    ['calibrationImages', calibrationImages],
    ['batchSize', batchSize],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1))
      throw new LgmError(`export: ${name} must be an integer >= 1, got ${v}`);
  }
  return { flagRate, calibrationImages, batchSize };
}

/**
 * Exports the run in `runDir` to `outDir` (model.json + weights, written with lgm's file handler: weights
 * first, model.json last, each atomically). The threshold is the `flagRate` lower quantile of the familiarity
 * score (see LgmModelMetadata.score) of the run's first `calibrationImages` training images.
 */
export async function exportRun(
  runDir: string,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const { flagRate, calibrationImages, batchSize } = checkOptions(options);
  const run = await loadRun(runDir);
  let built: { model: tfl.LayersModel; head: tfl.layers.Layer } | null = null;
  try {
    const dataset = run.config.dataset;
    const normalization = run.normalization;
    built = exportModel(run);
    const isLgm = run.model.loss instanceof LgmLossModule;
    const limit = Math.min(calibrationImages, dataset.trainLimit ?? calibrationImages);
    const train = await loadInputs(dataset.name, { split: 'train', limit, dataDir: dataset.dataDir });
    const metadata: LgmModelMetadata = {
      format: LGM_MODEL_FORMAT,
      head: isLgm ? 'lgm' : 'softmax',
      inputShape: [...run.model.inputShape],
      numClasses: run.model.numClasses,
      featureDim: run.model.featureDim,
      classNames: null,
      normalization: { mean: [...normalization.mean], std: [...normalization.std] },
      score: isLgm ? 'class-log-likelihood' : 'max-log-posterior',
      threshold: 0,
      flagRate,
      calibration: { dataset: dataset.name, split: 'train', images: train.indices.length },
      headLayer: HEAD_LAYER,
      source: {
        config: run.config as unknown as Record<string, unknown>,
        epoch: typeof run.state.epoch === 'number' ? run.state.epoch : null,
        step: typeof run.state.step === 'number' ? run.state.step : null,
      },
    };
    // The same code that scores inputs after loading scores the calibration images.
    const lgmModel = new LgmModel(built.model, metadata);
    let scores: number[];
    try {
      scores = (await lgmModel.predict(train.x, { batchSize })).map((p) => p.score);
    } finally {
      tf.dispose([train.x, train.y]);
    }
    metadata.threshold = lowerQuantile(scores, flagRate);
    if (!Number.isFinite(metadata.threshold)) {
      throw new LgmError(
        `export: the calibrated threshold must be finite, got ${metadata.threshold} (is the run diverged?)`,
      );
    }
    built.model.setUserDefinedMetadata({ [LGM_METADATA_KEY]: metadata as unknown as object });
    try {
      await built.model.save(fileSystem(outDir));
    } catch (error) {
      if (error instanceof LgmError) throw error;
      throw new LgmError(`export: cannot write ${outDir}: ${(error as Error).message}`);
    }
    return { dir: outDir, metadata };
  } finally {
    // The network belongs to the run (disposed with it); the head and the normalisation tensors are ours.
    built?.head.dispose();
    run.dispose();
  }
}
