import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss } from './reduce.js';
import { lgmLossPerSample } from './lgm.js';
import {
  LossBaseOptions,
  LossModule,
  LossStepValues,
  LossWeight,
  baseOptions,
  checkLossInputs,
  makeVariable,
  seededNormalTensor,
} from './module.js';
import {
  COVARIANCE_KINDS,
  CovarianceKind,
  DEFAULT_MIN_LOG_VARIANCE,
  GaussianMixtureParams,
  LGM_DEFAULTS,
  defaultMeanInitStd,
  mixtureLogits,
} from '../gm/index.js';
import { booleanOption, checkKnownKeys, choiceOption, numberOption } from '../util/options.js';

/** Options of the L-GM loss module. */
export interface LgmModuleOptions extends LossBaseOptions {
  /** Covariance kind: 'identity' | 'isotropic' | 'diagonal'. Default 'identity'. */
  covariance?: CovarianceKind;
  /** Margin alpha >= 0 (paper eq. 17) when no schedule overrides it. Default 0.1. */
  alpha?: number;
  /** Likelihood weight lambda >= 0 (paper eq. 18) when no schedule overrides it. Default 0.01. */
  lambda?: number;
  /** Include -1/2 log|Sigma_k| in the logits. Default true. */
  logDet?: boolean;
  /** Learn the class priors (log pi_k); otherwise they stay uniform. Default false. */
  learnPriors?: boolean;
  /** Floor on each log-variance, finite. Default log(1e-4). */
  minLogVariance?: number;
  /** Standard deviation of the means' seeded normal initialisation, > 0. Default sqrt(2 / featureDim). */
  meanInitStd?: number;
}

const KEYS = [
  'numClasses',
  'featureDim',
  'seed',
  'covariance',
  'alpha',
  'lambda',
  'logDet',
  'learnPriors',
  'minLogVariance',
  'meanInitStd',
];

/**
 * L-GM (Wan et al., CVPR 2018) as a loss module: trainable means [K,D], log-variances ([K] isotropic, [K,D]
 * diagonal, none for identity; initialised to 0, i.e. unit variance) and optional log-priors [K] (init 0).
 * Training uses `lgmLossPerSample` (margin logits + likelihood term); inference logits are `mixtureLogits`.
 */
export class LgmLossModule implements LossModule {
  readonly name = 'lgm';
  readonly numClasses: number;
  readonly featureDim: number;
  readonly weights: readonly LossWeight[];
  readonly options: {
    covariance: CovarianceKind;
    alpha: number;
    lambda: number;
    logDet: boolean;
    learnPriors: boolean;
    minLogVariance: number;
    meanInitStd: number;
  };

  constructor(options: LgmModuleOptions) {
    const where = 'lgmLossModule';
    checkKnownKeys(where, options, KEYS);
    const { numClasses, featureDim, seed } = baseOptions(where, options);
    this.numClasses = numClasses;
    this.featureDim = featureDim;
    this.options = {
      covariance: choiceOption(
        where,
        'options.covariance',
        options.covariance,
        COVARIANCE_KINDS,
        LGM_DEFAULTS.covariance,
      ),
      alpha: numberOption(where, 'options.alpha', options.alpha, LGM_DEFAULTS.alpha, { min: 0 }),
      lambda: numberOption(where, 'options.lambda', options.lambda, LGM_DEFAULTS.lambda, { min: 0 }),
      logDet: booleanOption(where, 'options.logDet', options.logDet, LGM_DEFAULTS.logDet),
      learnPriors: booleanOption(where, 'options.learnPriors', options.learnPriors, LGM_DEFAULTS.learnPriors),
      minLogVariance: numberOption(
        where,
        'options.minLogVariance',
        options.minLogVariance,
        DEFAULT_MIN_LOG_VARIANCE,
      ),
      meanInitStd: numberOption(
        where,
        'options.meanInitStd',
        options.meanInitStd,
        defaultMeanInitStd(featureDim),
        {
          min: Number.MIN_VALUE,
        },
      ),
    };
    const { covariance, learnPriors, meanInitStd } = this.options;
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
      // No weight decay: it would pull log-variances towards 0 (unit variance), a bias, not a regulariser.
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

  perSample(features: tf.Tensor2D, labels: tf.Tensor1D, values: LossStepValues = {}): PerSampleLoss {
    checkLossInputs('lgmLoss', this, features, labels);
    const alpha = values.alpha ?? this.options.alpha;
    const lambda = values.lambda ?? this.options.lambda;
    return lgmLossPerSample(
      features,
      labels,
      this.params(),
      { ...this.mixtureOptions(), alpha, lambda },
      'lgmLoss',
    );
  }

  logits(features: tf.Tensor2D): tf.Tensor2D {
    checkLossInputs('lgmLoss.logits', this, features);
    return mixtureLogits(features, this.params(), this.mixtureOptions());
  }

  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
  }
}
