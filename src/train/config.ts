import { LgmError, describe } from '../util/errors.js';
import { booleanOption, checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { NETWORK_NAMES, NetworkName } from '../nets/registry.js';
import { LOSS_NAMES, LossName } from '../losses/registry.js';
import { LGM_DEFAULTS } from '../gm/defaults.js';
import { TRAIN_DATASETS, defaultAugment } from './datasets.js';
import { LrSchedule, ValueSchedule, checkLrSchedule, checkValueSchedule } from './schedules.js';

/** Every optimizer `lgm train --optimizer` accepts. */
export const OPTIMIZERS = ['sgd', 'adam'] as const;

/**
 * Sanity bounds checked before anything is allocated: a typo (`--feature-dim 100000000`) or a corrupt
 * config.json (`numClasses: 1e9`) is an error, not minutes of allocation and an out-of-memory crash.
 * Far above anything lgm trains (ResNet widths 64, 100 classes), below what one tensor can hold.
 */
export const LIMITS = { width: 65536, classes: 100000, inputSize: 2 ** 24 } as const;

/** Which data a run trains on. */
export interface DatasetConfig {
  /** Dataset name (see DATASET_NAMES in data.ts). */
  name: string;
  /** Directory of the files, for datasets read from disk; null = the dataset's default source. */
  dataDir: string | null;
  /** Use only the first N training images (>= 1), null = all. For short budgets and tests. */
  trainLimit: number | null;
  /** Use only the first N test images (>= 1), null = all. */
  testLimit: number | null;
  /** CIFAR augmentation (pad 4, random crop, flip) of training batches. Default: true for CIFAR sets only. */
  augment: boolean;
}

/** Optimizer settings. */
export interface OptimizerConfig {
  /** 'sgd' (with momentum, optionally Nesterov) | 'adam'. */
  name: (typeof OPTIMIZERS)[number];
  /** SGD momentum in [0, 1). */
  momentum: number;
  /** Nesterov momentum (SGD only). */
  nesterov: boolean;
  /** Adam's beta1, beta2 in [0, 1) and epsilon > 0. */
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 weight decay >= 0 on kernels and on the loss weights marked for decay (never variances or priors). */
  weightDecay: number;
  /** Learning-rate multiplier > 0 of the loss weights in the 'mixture' group (Gaussian parameters, centers). */
  mixtureLrMultiplier: number;
}

/** The fully resolved configuration of a run (written to config.json; a resume must match it). */
export interface TrainConfig {
  dataset: DatasetConfig;
  /**
   * The network: one of NETWORK_NAMES, or 'custom' (your own tfjs-layers model.json, `model`, cut at its layer
   * `featureLayer`; both present only then).
   */
  net: {
    name: NetworkName | 'custom';
    featureDim: number | null;
    hidden: number[] | null;
    model?: string;
    featureLayer?: string;
  };
  loss: { name: LossName; options: Record<string, unknown> };
  optimizer: OptimizerConfig;
  lr: LrSchedule;
  /** Schedule of L-GM's alpha (null = the loss option's constant). */
  alpha: ValueSchedule | null;
  /** Schedule of lambda for L-GM and center loss (null = the loss option's constant). */
  lambda: ValueSchedule | null;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  seed: number;
  /** Log a step record every this many steps (>= 1). */
  logEvery: number;
}

/** What a caller may leave out: every field has a default (see resolveTrainConfig). */
export interface TrainConfigInput {
  dataset?: Partial<DatasetConfig>;
  net?: Partial<TrainConfig['net']>;
  loss?: Partial<TrainConfig['loss']>;
  optimizer?: Partial<OptimizerConfig>;
  lr?: Partial<LrSchedule>;
  alpha?: ValueSchedule | null;
  lambda?: ValueSchedule | null;
  epochs?: number;
  batchSize?: number;
  evalBatchSize?: number;
  seed?: number;
  logEvery?: number;
}

const W = 'trainConfig';

function limit(name: string, value: unknown): number | null {
  return value === undefined || value === null
    ? null
    : numberOption(W, name, value, 0, { min: 1, integer: true });
}

function resolveCustomNet(net: Partial<TrainConfig['net']>): TrainConfig['net'] {
  for (const key of ['model', 'featureLayer'] as const) {
    if (typeof net[key] !== 'string' || net[key] === '')
      throw new LgmError(
        `${W}: net.${key} must be a non-empty string for net 'custom', got ${describe(net[key])}`,
      );
  }
  if (net.hidden !== undefined && net.hidden !== null)
    throw new LgmError(
      `${W}: net.hidden does not apply to net 'custom' (the model sets it), got ${describe(net.hidden)}`,
    );
  // featureDim: the feature layer's width, recorded after building (and checked against it on resume).
  const featureDim =
    net.featureDim === undefined || net.featureDim === null
      ? null
      : numberOption(W, 'net.featureDim', net.featureDim, 0, { min: 1, integer: true });
  return { name: 'custom', featureDim, hidden: null, model: net.model, featureLayer: net.featureLayer };
}

function resolveNet(net: Partial<TrainConfig['net']>): TrainConfig['net'] {
  checkKnownKeys(`${W}.net`, net, ['name', 'featureDim', 'hidden', 'model', 'featureLayer']);
  if (net.name === 'custom') return resolveCustomNet(net);
  for (const key of ['model', 'featureLayer'] as const) {
    if (net[key] !== undefined)
      throw new LgmError(`${W}: net.${key} applies only to net 'custom', got net '${String(net.name)}'`);
  }
  const hidden = net.hidden ?? null;
  const widthOk = (h: unknown) => Number.isInteger(h) && (h as number) > 0 && (h as number) <= LIMITS.width;
  if (hidden !== null && (!Array.isArray(hidden) || !hidden.every(widthOk))) {
    throw new LgmError(
      `${W}: net.hidden must be a list of integers in [1, ${LIMITS.width}], got ${describe(hidden)}${Array.isArray(hidden) ? ` [${hidden.join(',')}]` : ''}`,
    );
  }
  return {
    name: choiceOption(W, 'net.name', net.name, NETWORK_NAMES, 'lenetpp'),
    featureDim:
      net.featureDim === undefined || net.featureDim === null
        ? null
        : numberOption(W, 'net.featureDim', net.featureDim, 0, { min: 1, max: LIMITS.width, integer: true }),
    hidden,
  };
}

function resolveOptimizer(o: Partial<OptimizerConfig>): OptimizerConfig {
  checkKnownKeys(`${W}.optimizer`, o, [
    'name',
    'momentum',
    'nesterov',
    'beta1',
    'beta2',
    'epsilon',
    'weightDecay',
    'mixtureLrMultiplier',
  ]);
  const unit = { min: 0, max: 1 - 1e-12 };
  return {
    name: choiceOption(W, 'optimizer.name', o.name, OPTIMIZERS, 'sgd'),
    momentum: numberOption(W, 'optimizer.momentum', o.momentum, 0.9, unit),
    nesterov: booleanOption(W, 'optimizer.nesterov', o.nesterov, false),
    beta1: numberOption(W, 'optimizer.beta1', o.beta1, 0.9, unit),
    beta2: numberOption(W, 'optimizer.beta2', o.beta2, 0.999, unit),
    epsilon: numberOption(W, 'optimizer.epsilon', o.epsilon, 1e-8, { min: Number.MIN_VALUE }),
    weightDecay: numberOption(W, 'optimizer.weightDecay', o.weightDecay, 5e-4, { min: 0 }),
    mixtureLrMultiplier: numberOption(W, 'optimizer.mixtureLrMultiplier', o.mixtureLrMultiplier, 1, {
      min: Number.MIN_VALUE,
    }),
  };
}

/**
 * A config as an older lgm saved it (config.json, an export's metadata, a reproduction's plan), with its keys under
 * today's names and meanings:
 * - optimizer.gmLrMultiplier (its name before issue 16's naming pass) is optimizer.mixtureLrMultiplier;
 * - resolved L-GM loss options (they have minLogVariance) without variancePrior were written before the variance
 *   prior existed: with learned variances that run trained without it, so it reads 0 (a resume must say so too);
 *   with identity covariance the prior has no effect and it reads as today's default, so such runs resume as
 *   they are.
 * Anything else is returned as it is, for resolveTrainConfig to validate. The input is not modified.
 */
export function upgradeSavedConfig(config: unknown): unknown {
  return withVariancePrior(withMixtureLrMultiplier(config));
}

function withMixtureLrMultiplier(config: unknown): unknown {
  const optimizer = (config as { optimizer?: Record<string, unknown> } | null)?.optimizer;
  if (optimizer === null || typeof optimizer !== 'object' || !('gmLrMultiplier' in optimizer)) return config;
  const { gmLrMultiplier, ...rest } = optimizer;
  if ('mixtureLrMultiplier' in rest) return config; // both: let the validation name the unknown old key
  return { ...(config as object), optimizer: { ...rest, mixtureLrMultiplier: gmLrMultiplier } };
}

function withVariancePrior(config: unknown): unknown {
  const loss = (config as { loss?: { name?: unknown; options?: Record<string, unknown> } } | null)?.loss;
  const options = loss?.options;
  if (loss?.name !== 'lgm' || options === null || typeof options !== 'object') return config;
  if (options.variancePrior !== undefined || options.minLogVariance === undefined) return config;
  const variancePrior = options.covariance === 'identity' ? LGM_DEFAULTS.variancePrior : 0;
  return { ...(config as object), loss: { ...loss, options: { ...options, variancePrior } } };
}

/**
 * Fills in defaults and validates every field of a training configuration. Loss options are validated when
 * the loss is built (buildModel), which also checks that the feature width fits the loss.
 */
export function resolveTrainConfig(input: TrainConfigInput = {}): TrainConfig {
  checkKnownKeys(W, input, [
    'dataset',
    'net',
    'loss',
    'optimizer',
    'lr',
    'alpha',
    'lambda',
    'epochs',
    'batchSize',
    'evalBatchSize',
    'seed',
    'logEvery',
  ]);
  const ds = input.dataset ?? {};
  checkKnownKeys(`${W}.dataset`, ds, ['name', 'dataDir', 'trainLimit', 'testLimit', 'augment']);
  const datasetName = choiceOption(W, 'dataset.name', ds.name, TRAIN_DATASETS, 'mnist');
  if (ds.dataDir !== undefined && ds.dataDir !== null && typeof ds.dataDir !== 'string') {
    throw new LgmError(`${W}: dataset.dataDir must be a path string, got ${describe(ds.dataDir)}`);
  }
  const loss = input.loss ?? {};
  checkKnownKeys(`${W}.loss`, loss, ['name', 'options']);
  const lossOptions = loss.options ?? {};
  if (lossOptions === null || typeof lossOptions !== 'object' || Array.isArray(lossOptions)) {
    throw new LgmError(`${W}: loss.options must be an object, got ${describe(lossOptions)}`);
  }
  const lossName = choiceOption(W, 'loss.name', loss.name, LOSS_NAMES, 'lgm');
  const takesSchedules = lossName === 'lgm' || lossName === 'center';
  const schedule = (name: 'alpha' | 'lambda') => {
    const s = input[name];
    if (s === undefined || s === null) return null;
    if (!takesSchedules || (name === 'alpha' && lossName !== 'lgm')) {
      throw new LgmError(
        `${W}: the ${name} schedule applies only to loss ${name === 'alpha' ? "'lgm'" : "'lgm' or 'center'"}, got loss '${lossName}'`,
      );
    }
    return checkValueSchedule(W, s, name);
  };
  return {
    dataset: {
      name:
        typeof ds.name === 'string'
          ? ds.name
          : ds.name === undefined
            ? 'mnist'
            : (choiceOption(W, 'dataset.name', ds.name, ['mnist']) as string),
      dataDir: ds.dataDir ?? null,
      trainLimit: limit('dataset.trainLimit', ds.trainLimit),
      testLimit: limit('dataset.testLimit', ds.testLimit),
      augment: booleanOption(W, 'dataset.augment', ds.augment, defaultAugment(datasetName)),
    },
    net: resolveNet(input.net ?? {}),
    loss: { name: lossName, options: { ...lossOptions } },
    optimizer: resolveOptimizer(input.optimizer ?? {}),
    lr: checkLrSchedule(W, input.lr ?? {}, 'lr'),
    alpha: schedule('alpha'),
    lambda: schedule('lambda'),
    epochs: numberOption(W, 'epochs', input.epochs, 10, { min: 1, integer: true }),
    batchSize: numberOption(W, 'batchSize', input.batchSize, 64, { min: 1, integer: true }),
    evalBatchSize: numberOption(W, 'evalBatchSize', input.evalBatchSize, 500, { min: 1, integer: true }),
    seed: numberOption(W, 'seed', input.seed, 0, { integer: true, min: 0, max: 2 ** 31 - 1 }),
    logEvery: numberOption(W, 'logEvery', input.logEvery, 50, { min: 1, integer: true }),
  };
}

/** Differences between two configs as 'path: saved vs given' lines (empty when equal). */
export function configDifferences(saved: unknown, given: unknown, path = ''): string[] {
  if (JSON.stringify(saved) === JSON.stringify(given)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(saved) && isObj(given)) {
    const a = saved as Record<string, unknown>;
    const b = given as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => configDifferences(a[k], b[k], path === '' ? k : `${path}.${k}`));
  }
  return [
    `${path}: ${JSON.stringify(saved) ?? 'absent'} in the run vs ${JSON.stringify(given) ?? 'absent'} given`,
  ];
}
