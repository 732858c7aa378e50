/**
 * The network the app trains: LeNet++ with a 2-D feature (src/nets/lenetpp.ts) followed by a head, either a
 * Gaussian-mixture layer (L-GM, src/layers) or a plain dense softmax layer, stored as one tfjs-layers model so
 * that it saves and loads (IndexedDB, files) with TF.js's own handlers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  GaussianMixtureLayer,
  leNetPP,
  lgmLoss,
  mixtureLogits,
  oneHotFloat,
  softmaxCrossEntropyPerSample,
  type Classifier,
  type CovarianceKind,
  type ObjectiveValue,
} from 'lgm/core';

export type LossKind = 'softmax' | 'lgm';
export const NUM_CLASSES = 10;
export const FEATURE_DIM = 2;
/**
 * Radius of the circle the L-GM class means start on. FGSM images give features of small norm (the perturbation
 * weakens every stroke), so a class whose Gaussian sits at the origin, as random N(0, 1) means often end up,
 * absorbs the adversarial features and the likelihood cannot flag them. Means spread on a circle leave the
 * origin to no class. Measured (docs/web.md, lambda 0.1, 3 seeds): with random means 1-4% of FGSM images
 * (eps 0.25) were flagged after 400 batches and 3-23% after 1000; with the circle, 56-70% and 70-85%.
 * Radius 8 did about as well, radius 12 learnt slower.
 */
export const MEAN_CIRCLE_RADIUS = 6;

/** K points evenly spaced on a circle of `radius` (D = 2), as rows [x, y]. */
export function circleMeans(radius: number): number[][] {
  return Array.from({ length: NUM_CLASSES }, (_, k) => {
    const angle = (2 * Math.PI * k) / NUM_CLASSES;
    return [radius * Math.cos(angle), radius * Math.sin(angle)];
  });
}

/** What the user chose before building (changing either rebuilds the network). */
export interface NetworkSpec {
  /** 'lgm' (Gaussian-mixture head) or 'softmax' (dense head). */
  loss: LossKind;
  /** Covariance of the L-GM head; ignored by softmax. */
  covariance: CovarianceKind;
  /** Seed of every initialiser. */
  seed: number;
  /**
   * Radius of the circle the L-GM means start on. Default MEAN_CIRCLE_RADIUS; >= 0; 0 keeps the layer's random
   * N(0, 1) means (the comparison in docs/web.md). Ignored by softmax.
   */
  meanCircle?: number;
}

/** The loss weights that may change while training runs (paper eqs. 17-18). */
export interface LossWeights {
  /** Margin alpha >= 0 (L-GM only). */
  alpha: number;
  /** Likelihood weight lambda >= 0 (L-GM only). */
  lambda: number;
}

/** Per-channel input normalisation x = (pixel / 255 - mean) / std (of a model trained in Node by lgm). */
export interface InputNormalization {
  mean: number[];
  std: number[];
}

/** The app's network as a lgm Classifier (pixels / 255 in), so src/attacks and src/detect take it as it is. */
export class DigitNetwork implements Classifier {
  readonly numClasses = NUM_CLASSES;
  readonly featureDim = FEATURE_DIM;
  readonly inputShape: readonly number[] = [28, 28, 1];

  constructor(
    /** images [N,28,28,1] (normalised when `normalization` is set) -> inference logits [N,10]. */
    readonly model: tfl.LayersModel,
    /** The network up to the head: images -> features [N,2]. */
    readonly trunk: tfl.LayersModel,
    /** GaussianMixtureLayer for L-GM, a Dense layer for softmax. */
    readonly head: tfl.layers.Layer,
    /** The input normalisation of a model trained by lgm in Node; null: pixels / 255 as they are (the app's). */
    readonly normalization: InputNormalization | null = null,
  ) {}

  /** Builds a fresh, randomly initialised network. */
  static create(spec: NetworkSpec): DigitNetwork {
    const radius = spec.meanCircle ?? MEAN_CIRCLE_RADIUS;
    if (!(radius >= 0 && Number.isFinite(radius))) {
      throw new Error(`DigitNetwork.create: meanCircle must be a finite number >= 0, got ${radius}`);
    }
    const trunk = leNetPP({ featureDim: FEATURE_DIM, seed: spec.seed });
    const head =
      spec.loss === 'lgm'
        ? new GaussianMixtureLayer({
            numClasses: NUM_CLASSES,
            covariance: spec.covariance,
            seed: spec.seed,
            // No host reads per batch: they would stall a GPU pipeline every step.
            checkValues: false,
            name: 'head',
          })
        : tfl.layers.dense({
            units: NUM_CLASSES,
            kernelInitializer: tfl.initializers.glorotUniform({ seed: spec.seed + 100 }),
            name: 'head',
          });
    const input = tfl.input({ shape: [28, 28, 1], name: 'image' });
    const logits = head.apply(trunk.apply(input)) as tfl.SymbolicTensor;
    const net = new DigitNetwork(tfl.model({ inputs: input, outputs: logits, name: 'lgm_web' }), trunk, head);
    const gm = net.mixtureHead;
    if (gm !== null && radius > 0) {
      // The layer's means are built now; params().means is the variable itself.
      const means = gm.params().means as tf.Variable;
      tf.tidy(() => means.assign(tf.tensor2d(circleMeans(radius))));
    }
    return net;
  }

  /**
   * Wraps a loaded model: one saved by this app, or one written by `lgm export` (any network ending in a layer
   * 'head' on a 2-D feature, for 28x28x1 images). The trunk is the model cut at the head's input.
   */
  static fromModel(model: tfl.LayersModel, normalization: InputNormalization | null = null): DigitNetwork {
    const names = model.layers.map((l) => l.name);
    if (!names.includes('head')) {
      throw new Error(
        `loading a model: expected a layer 'head' (a model saved by this app or written by lgm export), got ${names.join(', ')}`,
      );
    }
    const input = model.inputs[0].shape.slice(1).join(',');
    if (model.inputs.length !== 1 || input !== '28,28,1') {
      throw new Error(`loading a model: expected one input of 28x28x1 digits, got [${input}]`);
    }
    const head = model.getLayer('head');
    const feature = head.input as tfl.SymbolicTensor;
    if (feature.shape.length !== 2 || feature.shape[1] !== FEATURE_DIM) {
      throw new Error(
        `loading a model: the app plots ${FEATURE_DIM}-D features, this model's are [${feature.shape.join(',')}] (use it from your own page with loadLgmModel)`,
      );
    }
    const trunk = names.includes('lenetpp')
      ? (model.getLayer('lenetpp') as tfl.LayersModel)
      : tfl.model({ inputs: model.inputs, outputs: feature });
    return new DigitNetwork(model, trunk, head, normalization);
  }

  get loss(): LossKind {
    return this.head instanceof GaussianMixtureLayer ? 'lgm' : 'softmax';
  }

  /** The L-GM head, or null for softmax. */
  get mixtureHead(): GaussianMixtureLayer | null {
    return this.head instanceof GaussianMixtureLayer ? this.head : null;
  }

  get covariance(): CovarianceKind | null {
    return this.mixtureHead?.covariance ?? null;
  }

  /** The trainable variables (LeNet++ and head) for the optimiser. */
  variables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** The Gaussian-mixture parameters (means, log-variances, log-priors); empty for softmax. */
  mixtureVariables(): tf.Variable[] {
    const gm = this.mixtureHead;
    return gm === null ? [] : gm.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Features of pixels / 255 [N,28,28,1] (normalised first for a model trained by lgm in Node). */
  features(images: tf.Tensor, training = false): tf.Tensor2D {
    const norm = this.normalization;
    if (norm === null) return this.trunk.apply(images, { training }) as tf.Tensor2D;
    return tf.tidy(() => {
      const x = tf.div(tf.sub(images, tf.tensor1d(norm.mean)), tf.tensor1d(norm.std));
      return this.trunk.apply(x, { training }) as tf.Tensor2D;
    });
  }

  /** Inference logits of features (no margin): softmax of these is the class posterior. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    const gm = this.mixtureHead;
    if (gm === null) return this.head.apply(features) as tf.Tensor2D;
    return mixtureLogits(features, gm.params(), {
      covariance: gm.covariance,
      logDet: gm.logDet,
      minLogVariance: gm.minLogVariance,
      checkValues: false,
    });
  }

  /**
   * Training loss of a batch, its terms and its training logits (with the margin for L-GM): the objective of
   * lgm's Trainer step. Call inside a tidy or tf.variableGrads.
   */
  trainingLoss(images: tf.Tensor, labels: tf.Tensor1D, weights: LossWeights): ObjectiveValue {
    const features = this.features(images, true);
    const gm = this.mixtureHead;
    if (gm === null) {
      const logits = this.head.apply(features) as tf.Tensor2D;
      const perSample = softmaxCrossEntropyPerSample(logits, oneHotFloat(labels, NUM_CLASSES));
      const loss = tf.mean(perSample) as tf.Scalar;
      return { loss, classificationLoss: loss, auxiliaryLoss: tf.scalar(0), logits };
    }
    const result = lgmLoss(features, labels, gm.params(), {
      covariance: gm.covariance,
      logDet: gm.logDet,
      minLogVariance: gm.minLogVariance,
      checkValues: false,
      alpha: weights.alpha,
      lambda: weights.lambda,
    });
    return {
      loss: result.loss,
      classificationLoss: result.classificationLoss,
      auxiliaryLoss: result.likelihoodLoss,
      logits: result.logits,
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
