import { COVARIANCE_KINDS, CovarianceKind, DEFAULT_MIN_LOG_VARIANCE } from '../gm/params.js';
import { LGM_DEFAULTS } from '../gm/defaults.js';
import { booleanOption, checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { LgmError, describe } from '../util/errors.js';

/**
 * The L-GM options every entry point shares: the loss function `lgmLoss`, the trainer's `LgmLossModule` and the
 * tfjs-layers `GaussianMixtureLayer`. Each absent field takes its value from LGM_DEFAULTS.
 */
export interface LgmOptions {
  /** Covariance parameterisation: 'identity' | 'isotropic' | 'diagonal'. Default 'identity'. */
  covariance?: CovarianceKind;
  /** Margin on the true class's distance, alpha >= 0 (paper eq. 17). Default 0.1. */
  alpha?: number;
  /** Weight of the likelihood regulariser, lambda >= 0 (paper eq. 18). Default 0.01. */
  lambda?: number;
  /** Include -1/2 log|Sigma_k| in the logits. Default true. */
  logDet?: boolean;
  /** Floor on each log-variance, a finite number. Default log(1e-4) ~ -9.21. */
  minLogVariance?: number;
  /** Learn the class priors (log pi_k); otherwise they stay uniform. Default false. */
  learnPriors?: boolean;
  /**
   * Weight beta >= 0 of a Gaussian prior N(0, 1/beta) on each learned log-variance: the loss gains
   * beta/2 * mean_k sum_j (log sigma_kj^2)^2 (an isotropic class counts its one value D times). It anchors the
   * feature scale that learned variances otherwise let drift to the floor (docs/reproduce.md, "Learned
   * variances"). No effect with identity covariance. Default 0.01; 0 turns it off.
   */
  variancePrior?: number;
  /**
   * Check that features and parameters are finite and labels in range (host reads). Default true; false skips
   * these reads (hot training loops on a GPU), keeping every shape and dtype check.
   */
  checkValues?: boolean;
}

/** Every L-GM option, resolved. */
export type ResolvedLgmOptions = Required<LgmOptions>;

/** The resolved options an L-GM computation uses (the rest concern checks and parameter ownership). */
export type LgmComputeOptions = Pick<
  ResolvedLgmOptions,
  'covariance' | 'alpha' | 'lambda' | 'logDet' | 'minLogVariance' | 'variancePrior'
>;

/** The name of an L-GM option. */
export type LgmOptionKey = keyof LgmOptions;
/** The names of the L-GM options. */
export const LGM_OPTION_KEYS: readonly LgmOptionKey[] = [
  'covariance',
  'alpha',
  'lambda',
  'logDet',
  'minLogVariance',
  'learnPriors',
  'variancePrior',
  'checkValues',
];

/** How a caller's option set differs from the shared one. */
export interface LgmOptionsUse {
  /** Shared options this caller does not take (an error when given). */
  exclude?: readonly LgmOptionKey[];
  /** The caller's own keys, validated by the caller. */
  extraKeys?: readonly string[];
  /** How option names appear in messages: 'options.' (functions, the module) or '' (the layer's args). */
  prefix?: string;
}

/**
 * Validates `options` and fills every absent field from LGM_DEFAULTS (checkValues: true). The one resolver of
 * the L-GM options: an unknown key, or an excluded one, is an error naming the accepted keys.
 */
export function resolveLgmOptions(
  where: string,
  options: LgmOptions,
  use: LgmOptionsUse = {},
): ResolvedLgmOptions {
  const { exclude = [], extraKeys = [], prefix = 'options.' } = use;
  if (options === null || typeof options !== 'object') {
    throw new LgmError(`${where}: options must be an object, got ${describe(options)}`);
  }
  checkKnownKeys(where, options, [...LGM_OPTION_KEYS.filter((k) => !exclude.includes(k)), ...extraKeys]);
  const name = (key: string) => `${prefix}${key}`;
  return {
    covariance: choiceOption(
      where,
      name('covariance'),
      options.covariance,
      COVARIANCE_KINDS,
      LGM_DEFAULTS.covariance,
    ),
    alpha: numberOption(where, name('alpha'), options.alpha, LGM_DEFAULTS.alpha, { min: 0 }),
    lambda: numberOption(where, name('lambda'), options.lambda, LGM_DEFAULTS.lambda, { min: 0 }),
    logDet: booleanOption(where, name('logDet'), options.logDet, LGM_DEFAULTS.logDet),
    minLogVariance: numberOption(
      where,
      name('minLogVariance'),
      options.minLogVariance,
      DEFAULT_MIN_LOG_VARIANCE,
    ),
    learnPriors: booleanOption(where, name('learnPriors'), options.learnPriors, LGM_DEFAULTS.learnPriors),
    variancePrior: numberOption(
      where,
      name('variancePrior'),
      options.variancePrior,
      LGM_DEFAULTS.variancePrior,
      { min: 0 },
    ),
    checkValues: booleanOption(where, name('checkValues'), options.checkValues, true),
  };
}
