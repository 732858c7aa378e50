import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss } from './reduce.js';
import { checkLgmInputs, computeLgmLossPerSample } from './lgm.js';
import {
  LossBaseOptions,
  LossStepValues,
  LossWeight,
  baseOptions,
  makeVariable,
  seededNormalTensor,
} from './module.js';
import { LossBase } from './loss-base.js';
import { LgmOptions, resolveLgmOptions } from './lgm-options.js';
import { CovarianceKind, GaussianMixtureParams, defaultMeanInitStd } from '../gm/index.js';
import { checkMixtureInputs } from '../gm/mixture.js';
import { computeMixtureLogits } from '../gm/density.js';
import { numberOption } from '../util/options.js';

/**
 * Options of the L-GM loss module: the shared L-GM options (defaults LGM_DEFAULTS) except checkValues (the
 * module's perSample and logits always check, its compute methods never: the trainer's step needs no switch).
 */
export interface LgmModuleOptions extends LossBaseOptions, Omit<LgmOptions, 'checkValues'> {
  /** Standard deviation of the means' seeded normal initialisation, > 0. Default sqrt(2 / featureDim). */
  meanInitStd?: number;
}

const OWN_KEYS = ['numClasses', 'featureDim', 'seed', 'meanInitStd'];

/**
 * L-GM (Wan et al., CVPR 2018) as a loss module: trainable means [K,D], log-variances ([K] isotropic, [K,D]
 * diagonal, none for identity; initialised to 0, i.e. unit variance) and optional log-priors [K] (init 0).
 * Training uses the L-GM loss per sample (margin logits + likelihood term); inference logits are `mixtureLogits`.
 */
export class LgmLossModule extends LossBase {
  readonly name = 'lgm';
  readonly weights: readonly LossWeight[];
  readonly options: {
    covariance: CovarianceKind;
    alpha: number;
    lambda: number;
    logDet: boolean;
    learnPriors: boolean;
    minLogVariance: number;
    variancePrior: number;
    meanInitStd: number;
  };

  constructor(options: LgmModuleOptions) {
    const where = 'lgmLossModule';
    const o = resolveLgmOptions(where, options, { exclude: ['checkValues'], extraKeys: OWN_KEYS });
    const { numClasses, featureDim, seed } = baseOptions(where, options);
    super('lgmLoss', { numClasses, featureDim });
    const meanInitStd = numberOption(
      where,
      'options.meanInitStd',
      options.meanInitStd,
      defaultMeanInitStd(featureDim),
      { min: Number.MIN_VALUE },
    );
    // This key order is config.json's.
    this.options = {
      covariance: o.covariance,
      alpha: o.alpha,
      lambda: o.lambda,
      logDet: o.logDet,
      learnPriors: o.learnPriors,
      minLogVariance: o.minLogVariance,
      variancePrior: o.variancePrior,
      meanInitStd,
    };
    const { covariance, learnPriors } = o;
    const weights: LossWeight[] = [
      {
        name: 'means',
        variable: makeVariable(seededNormalTensor([numClasses, featureDim], meanInitStd, seed)),
        decay: true,
        group: 'mixture',
      },
    ];
    if (covariance !== 'identity') {
      const shape = covariance === 'isotropic' ? [numClasses] : [numClasses, featureDim];
      // No weight decay: the variance prior (options.variancePrior) is their regulariser, inside the loss.
      weights.push({
        name: 'logVariances',
        variable: makeVariable(tf.zeros(shape)),
        decay: false,
        group: 'mixture',
      });
    }
    if (learnPriors) {
      weights.push({
        name: 'logPriors',
        variable: makeVariable(tf.zeros([numClasses])),
        decay: false,
        group: 'mixture',
      });
    }
    this.weights = weights;
  }

  /** The current mixture parameters (the variables themselves, not copies). */
  params(): GaussianMixtureParams {
    const byName = (name: string) => this.weights.find((w) => w.name === name)?.variable;
    return {
      means: byName('means') as tf.Tensor2D,
      logVariances: byName('logVariances'),
      logPriors: byName('logPriors') as tf.Tensor1D | undefined,
    };
  }

  private mixtureOptions() {
    const { covariance, logDet, minLogVariance } = this.options;
    return { covariance, logDet, minLogVariance };
  }

  /** Shapes, the label range, finite and float32-safe features and parameters. */
  protected override checkInputs(where: string, features: tf.Tensor2D, labels?: tf.Tensor1D): void {
    super.checkInputs(where, features);
    const opts = { ...this.mixtureOptions(), checkValues: true };
    if (labels === undefined) checkMixtureInputs(where, features, this.params(), opts);
    else checkLgmInputs(where, features, labels, this.params(), opts);
  }

  /** The per-sample loss of a batch already validated (see LossModule.computePerSample). */
  computePerSample(features: tf.Tensor2D, labels: tf.Tensor1D, values: LossStepValues = {}): PerSampleLoss {
    const alpha = values.alpha ?? this.options.alpha;
    const lambda = values.lambda ?? this.options.lambda;
    return computeLgmLossPerSample(features, labels, this.params(), {
      ...this.mixtureOptions(),
      alpha,
      lambda,
      variancePrior: this.options.variancePrior,
    });
  }

  /** The inference logits of features already validated (see LossModule.computeLogits). */
  computeLogits(features: tf.Tensor2D): tf.Tensor2D {
    return computeMixtureLogits(features, this.params(), this.mixtureOptions());
  }
}
