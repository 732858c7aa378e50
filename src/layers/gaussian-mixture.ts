import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CovarianceKind, GaussianMixtureParams } from '../gm/params.js';
import { defaultMeanInitStd } from '../gm/defaults.js';
import { mixtureLogLikelihood, mixtureLogits, mixturePosterior } from '../gm/density.js';
import { LgmLossResult, lgmLoss } from '../losses/lgm.js';
import { LgmOptions, resolveLgmOptions } from '../losses/lgm-options.js';
import { booleanOption, numberOption } from '../util/options.js';
import { LgmError, describe } from '../util/errors.js';
import { tfjsNormalSeed } from '../util/random.js';
import { Initializer, InitializerSpec, resolveInitializer, serializeInitializer } from './initializers.js';

/**
 * Configuration of the Gaussian-mixture layer (all fields serialise through getConfig): the shared L-GM options
 * (defaults LGM_DEFAULTS, checkValues true: the layer is its own public boundary inside model.fit) plus the
 * initialisers a tfjs-layers weight needs.
 */
export interface GaussianMixtureLayerArgs extends LgmOptions {
  /** Number of classes K, an integer >= 1. Required. */
  numClasses: number;
  /** Initialiser of the means [K,D]. Default randomNormal(stddev sqrt(2 / D)) with `seed`. */
  meansInitializer?: InitializerSpec;
  /** Initialiser of the log-variances. Default zeros (unit variances). */
  logVariancesInitializer?: InitializerSpec;
  /** Initialiser of the unnormalised log-priors [K]. Default zeros (uniform). */
  logPriorsInitializer?: InitializerSpec;
  /** @deprecated The name learnPriors had before 0.2; still read (saved models load), written as learnPriors. */
  trainablePriors?: boolean;
  /** Seed of the default means initialiser, an integer. Default 0. */
  seed?: number;
  /** Standard tfjs-layers arguments (name, trainable, inputShape, ...). */
  name?: string;
  trainable?: boolean;
  inputShape?: tfl.Shape;
  batchInputShape?: tfl.Shape;
  dtype?: tf.DataType;
}

const OWN_KEYS = [
  'numClasses',
  'meansInitializer',
  'logVariancesInitializer',
  'logPriorsInitializer',
  'trainablePriors',
  'seed',
] as const;
// Keys tfjs-layers itself passes (fromConfig adds customObjects).
const LAYER_KEYS = [
  'name',
  'trainable',
  'inputShape',
  'batchInputShape',
  'dtype',
  'batchSize',
  'weights',
  'customObjects',
];

/**
 * A Gaussian-mixture classification head holding class means, log-variances and log-priors as weights.
 *
 * - `apply([features, labels])` (training): returns the margin logits -(1 + alpha [k=y]) d_k - 1/2 log|Sigma_k|
 *   + log pi_k and registers lambda * likelihoodLoss (+ the variance prior's penalty) as a layer loss, so
 *   `model.fit` with a softmax
 *   cross-entropy on these logits optimises the full L-GM objective.
 * - `apply(features)` (inference): returns the logits without margin (softmax = class posterior).
 * - `loss(features, labels)`: the full `lgmLoss` with this layer's weights, for custom training loops.
 */
export class GaussianMixtureLayer extends tfl.layers.Layer {
  static className = 'GaussianMixture';
  readonly numClasses: number;
  readonly covariance: CovarianceKind;
  readonly alpha: number;
  readonly lambda: number;
  readonly logDet: boolean;
  readonly minLogVariance: number;
  readonly learnPriors: boolean;
  readonly variancePrior: number;
  readonly checkValues: boolean;
  readonly seed: number;
  /** null until build when the default (whose scale depends on D) is used. */
  private meansInit: Initializer | null;
  private readonly logVariancesInit: Initializer;
  private readonly logPriorsInit: Initializer;
  private means?: tfl.LayerVariable;
  private logVariances?: tfl.LayerVariable;
  private logPriors?: tfl.LayerVariable;
  /**
   * lambda * likelihoodLoss (+ the variance prior's penalty) of the last training call, read by the registered
   * layer loss.
   */
  private pendingLoss: tf.Scalar | null = null;

  constructor(args: GaussianMixtureLayerArgs) {
    const where = 'GaussianMixtureLayer';
    if (args === null || typeof args !== 'object') {
      throw new LgmError(`${where}: args must be an object with numClasses, got ${describe(args)}`);
    }
    const { trainablePriors, ...shared } = args;
    const opts = resolveLgmOptions(where, shared, { extraKeys: [...OWN_KEYS, ...LAYER_KEYS], prefix: '' });
    if (
      trainablePriors !== undefined &&
      args.learnPriors !== undefined &&
      trainablePriors !== args.learnPriors
    ) {
      throw new LgmError(
        `${where}: trainablePriors (the old name of learnPriors) must agree with learnPriors, got ` +
          `${describe(trainablePriors)} and ${describe(args.learnPriors)}`,
      );
    }
    const numClasses = numberOption(where, 'numClasses', args.numClasses, NaN, { min: 1, integer: true });
    if (args.numClasses === undefined)
      throw new LgmError(`${where}: numClasses must be an integer >= 1, got undefined`);
    super(args);
    this.numClasses = numClasses;
    this.covariance = opts.covariance;
    this.alpha = opts.alpha;
    this.lambda = opts.lambda;
    this.logDet = opts.logDet;
    this.minLogVariance = opts.minLogVariance;
    this.learnPriors =
      args.learnPriors === undefined
        ? booleanOption(where, 'trainablePriors', trainablePriors, opts.learnPriors)
        : opts.learnPriors;
    this.variancePrior = opts.variancePrior;
    this.checkValues = opts.checkValues;
    this.seed = numberOption(where, 'seed', args.seed, 0, { integer: true });
    this.meansInit =
      args.meansInitializer === undefined
        ? null
        : resolveInitializer(where, 'meansInitializer', args.meansInitializer);
    this.logVariancesInit = resolveInitializer(
      where,
      'logVariancesInitializer',
      args.logVariancesInitializer ?? 'Zeros',
    );
    this.logPriorsInit = resolveInitializer(
      where,
      'logPriorsInitializer',
      args.logPriorsInitializer ?? 'Zeros',
    );
    this.supportsMasking = false;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const featureShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const dim = featureShape[featureShape.length - 1];
    if (featureShape.length !== 2 || dim === null || dim === undefined) {
      throw new LgmError(
        `GaussianMixtureLayer: features must have shape [N,D], got [${featureShape.join(',')}]`,
      );
    }
    const K = this.numClasses;
    this.meansInit ??= tfl.initializers.randomNormal({
      stddev: defaultMeanInitStd(dim),
      seed: tfjsNormalSeed(this.seed),
    });
    this.means = this.addWeight('means', [K, dim], 'float32', this.meansInit);
    if (this.covariance !== 'identity') {
      const shape = this.covariance === 'isotropic' ? [K] : [K, dim];
      this.logVariances = this.addWeight('logVariances', shape, 'float32', this.logVariancesInit);
    }
    // Always a weight, frozen unless learnPriors (the loss module has none then): a saved model's weight list
    // then does not depend on the option.
    this.logPriors = this.addWeight(
      'logPriors',
      [K],
      'float32',
      this.logPriorsInit,
      undefined,
      this.learnPriors,
    );
    this.addLoss(() => {
      const pending = this.pendingLoss;
      return pending === null || pending.isDisposed ? tf.scalar(0) : pending;
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const featureShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [featureShape[0], this.numClasses];
  }

  /** The current mixture parameters (the weights' values; not copies: do not dispose). */
  params(): GaussianMixtureParams {
    if (this.means === undefined) throw new LgmError('GaussianMixtureLayer: the layer is not built yet');
    return {
      means: this.means.read() as tf.Tensor2D,
      logVariances: this.logVariances?.read(),
      logPriors: this.logPriors?.read() as tf.Tensor1D,
    };
  }

  /** @deprecated The old name of learnPriors. */
  get trainablePriors(): boolean {
    return this.learnPriors;
  }

  private mixtureOptions() {
    return {
      covariance: this.covariance,
      logDet: this.logDet,
      minLogVariance: this.minLogVariance,
      checkValues: this.checkValues,
    };
  }

  /** The full L-GM loss of a batch with this layer's weights (differentiable w.r.t. them). */
  loss(features: tf.Tensor2D, labels: tf.Tensor1D): LgmLossResult {
    return lgmLoss(features, labels, this.params(), {
      ...this.mixtureOptions(),
      alpha: this.alpha,
      lambda: this.lambda,
      variancePrior: this.variancePrior,
    });
  }

  /** Mixture log-likelihood log p(x) of each feature row, [N]. */
  logLikelihood(features: tf.Tensor2D): tf.Tensor1D {
    return mixtureLogLikelihood(features, this.params(), this.mixtureOptions());
  }

  /** Class posterior p(k | x), [N,K]. */
  posterior(features: tf.Tensor2D): tf.Tensor2D {
    return mixturePosterior(features, this.params(), this.mixtureOptions());
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length < 1 || list.length > 2) {
      throw new LgmError(
        `GaussianMixtureLayer: inputs must be features or [features, labels], got ${list.length} tensors`,
      );
    }
    const features = list[0] as tf.Tensor2D;
    if (list.length === 1) return mixtureLogits(features, this.params(), this.mixtureOptions());
    const labels = tf.tidy(() => tf.cast(tf.reshape(list[1], [-1]), 'int32')) as tf.Tensor1D;
    const result = this.loss(features, labels);
    // Kept so that model.fit's loss closure can read it after this call; the previous one is released here,
    // so at most one scalar is held between calls.
    if (this.pendingLoss !== null && !this.pendingLoss.isDisposed) this.pendingLoss.dispose();
    // Everything but the cross-entropy, which model.fit's own loss supplies: lambda * likelihood + penalty.
    this.pendingLoss = tf.keep(tf.sub(result.loss, result.classificationLoss)) as tf.Scalar;
    tf.dispose([labels, result.loss, result.classificationLoss, result.likelihoodLoss]);
    return result.logits;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numClasses: this.numClasses,
      covariance: this.covariance,
      alpha: this.alpha,
      lambda: this.lambda,
      logDet: this.logDet,
      minLogVariance: this.minLogVariance,
      learnPriors: this.learnPriors,
      variancePrior: this.variancePrior,
      checkValues: this.checkValues,
      seed: this.seed,
      ...(this.meansInit === null ? {} : { meansInitializer: serializeInitializer(this.meansInit) }),
      logVariancesInitializer: serializeInitializer(this.logVariancesInit),
      logPriorsInitializer: serializeInitializer(this.logPriorsInit),
    };
  }
}
tf.serialization.registerClass(GaussianMixtureLayer);

/** Creates a Gaussian-mixture layer (see GaussianMixtureLayer). */
export function gaussianMixture(args: GaussianMixtureLayerArgs): GaussianMixtureLayer {
  return new GaussianMixtureLayer(args);
}
