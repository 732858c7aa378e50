import type { NetworkName } from '../nets/registry.js';
import type { LossName } from '../losses/registry.js';
import { TrainConfig, resolveTrainConfig } from '../train/config.js';
import type { ValueSchedule } from '../train/schedules.js';
import type { Budget } from './budgets.js';

/** The experiments `lgm reproduce` runs. */
export const EXPERIMENT_NAMES = ['mnist', 'cifar10', 'fashion-mnist'] as const;
/** The name of an experiment (`lgm reproduce --experiment`). */
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

/** One model of an experiment: a network, a loss and which of alpha / lambda are on. */
export interface Variant {
  /** Directory name under <outDir>/runs/ and the row label of the tables. */
  name: string;
  /** What the row stands for, in words. */
  description: string;
  net: NetworkName;
  /** Feature width (null = the network's default). */
  featureDim: number | null;
  loss: LossName;
  /** Loss options other than alpha and lambda (covariance, scale, margin). */
  lossOptions: Record<string, unknown>;
  /** The margin alpha follows the budget's schedule (true) or stays 0 (false); L-GM only. */
  alpha: boolean;
  /** lambda follows the budget's schedule (true) or stays 0 (false); L-GM and center loss only. */
  lambda: boolean;
}

const lenet = (name: string, dim: number, rest: Omit<Variant, 'name' | 'net' | 'featureDim'>): Variant => ({
  name,
  net: 'lenetpp',
  featureDim: dim,
  ...rest,
});
const plain = { lossOptions: {}, alpha: false, lambda: false };
// Identity covariance for the main L-GM models, as the official code's released config and the follow-up; the
// learned-variance variants are ablations (docs/reproduce.md: variance collapse).
const ident = { covariance: 'identity' };

/**
 * MNIST (Wan et al. 2018, sec. 4.1 and fig. 1/3): LeNet++ with a 2-D feature for every loss, plus the L-GM
 * ablations (alpha 0 vs > 0, lambda 0 vs > 0, isotropic vs diagonal) and a wider (100-D, as in the official
 * MNIST prototxts) feature for softmax and L-GM.
 */
const MNIST_VARIANTS: Variant[] = [
  lenet('softmax-2d', 2, { description: 'softmax', loss: 'softmax', ...plain }),
  lenet('center-2d', 2, { description: 'center loss', loss: 'center', ...plain, lambda: true }),
  lenet('am-softmax-2d', 2, { description: 'AM-Softmax (s 30, m 0.35)', loss: 'am-softmax', ...plain }),
  lenet('arcface-2d', 2, { description: 'ArcFace (s 64, m 0.5)', loss: 'arcface', ...plain }),
  // The face-recognition margins above cannot be met in 2-D by ten classes 36 degrees apart (AM-Softmax needs
  // m < 1 - cos 36 deg = 0.19 even on a class's own direction); these margins are met by every feature within 9
  // degrees (a quarter of the spacing) of its class direction: cos 9 - cos 27 deg = 0.097, 36/2 deg = 0.31 rad.
  lenet('am-softmax-m0.1-2d', 2, {
    description: 'AM-Softmax (s 30, m 0.1: a margin 2-D can meet)',
    loss: 'am-softmax',
    ...plain,
    lossOptions: { margin: 0.1 },
  }),
  lenet('arcface-m0.3-2d', 2, {
    description: 'ArcFace (s 64, m 0.3: a margin 2-D can meet)',
    loss: 'arcface',
    ...plain,
    lossOptions: { margin: 0.3 },
  }),
  lenet('lgm-2d', 2, {
    description: 'L-GM identity, alpha > 0, lambda > 0',
    loss: 'lgm',
    lossOptions: ident,
    alpha: true,
    lambda: true,
  }),
  lenet('lgm-alpha0-2d', 2, {
    description: 'L-GM identity, alpha = 0, lambda > 0',
    loss: 'lgm',
    lossOptions: ident,
    alpha: false,
    lambda: true,
  }),
  lenet('lgm-lambda0-2d', 2, {
    description: 'L-GM identity, alpha > 0, lambda = 0',
    loss: 'lgm',
    lossOptions: ident,
    alpha: true,
    lambda: false,
  }),
  lenet('lgm-iso-2d', 2, {
    description: 'L-GM isotropic (learned variances), alpha > 0, lambda > 0',
    loss: 'lgm',
    lossOptions: { covariance: 'isotropic' },
    alpha: true,
    lambda: true,
  }),
  lenet('lgm-diag-2d', 2, {
    description: 'L-GM diagonal, alpha > 0, lambda > 0',
    loss: 'lgm',
    lossOptions: { covariance: 'diagonal' },
    alpha: true,
    lambda: true,
  }),
  lenet('softmax-100d', 100, { description: 'softmax', loss: 'softmax', ...plain }),
  lenet('lgm-100d', 100, {
    description: 'L-GM identity, alpha > 0, lambda > 0',
    loss: 'lgm',
    lossOptions: ident,
    alpha: true,
    lambda: true,
  }),
];

/** CIFAR-10 (sec. 4.2): ResNet-20 (64-D feature), softmax vs L-GM. */
const CIFAR_VARIANTS: Variant[] = [
  { name: 'softmax', description: 'softmax', net: 'resnet20', featureDim: null, loss: 'softmax', ...plain },
  {
    name: 'lgm',
    description: 'L-GM identity, alpha > 0, lambda > 0',
    net: 'resnet20',
    featureDim: null,
    loss: 'lgm',
    lossOptions: ident,
    alpha: true,
    lambda: true,
  },
];

/**
 * Fashion-MNIST (the harder set these machines can run; CIFAR cannot be fetched here): LeNet++ 100-D, softmax vs
 * L-GM (identity), with MNIST as its OOD set.
 */
const FASHION_VARIANTS: Variant[] = MNIST_VARIANTS.filter(
  (v) => v.name === 'softmax-100d' || v.name === 'lgm-100d',
);

/** The variants of an experiment, in table order. */
export function experimentVariants(experiment: ExperimentName): readonly Variant[] {
  if (experiment === 'fashion-mnist') return FASHION_VARIANTS;
  return experiment === 'mnist' ? MNIST_VARIANTS : CIFAR_VARIANTS;
}

/** Names of the variants whose feature space goes into the side-by-side panel (the 2-D ones for MNIST). */
export function panelVariants(experiment: ExperimentName): string[] {
  return experimentVariants(experiment)
    .filter((v) => experiment !== 'mnist' || v.featureDim === 2)
    .map((v) => v.name);
}

/** The L-GM variant whose likelihood map the report shows. */
export function mapVariant(experiment: ExperimentName): string {
  return experiment === 'mnist' ? 'lgm-2d' : experiment === 'fashion-mnist' ? 'lgm-100d' : 'lgm';
}

const zero: ValueSchedule = { kind: 'constant', value: 0 };

/**
 * The training config of one variant under a budget: every variant of an experiment shares the seed, data,
 * optimizer and schedules; only the network width, the loss and which of alpha / lambda are on differ.
 */
export function variantConfig(
  experiment: ExperimentName,
  variant: Variant,
  budget: Budget,
  options: { seed: number; dataDir: string | null },
): TrainConfig {
  const net = budget.netOverride ?? { name: variant.net, hidden: null };
  const takesLambda = variant.loss === 'lgm' || variant.loss === 'center';
  return resolveTrainConfig({
    dataset: {
      name: experiment,
      dataDir: options.dataDir,
      trainLimit: budget.trainLimit,
      testLimit: budget.testLimit,
    },
    net: { name: net.name, featureDim: variant.featureDim, hidden: net.hidden },
    loss: { name: variant.loss, options: { ...variant.lossOptions } },
    optimizer: { ...budget.optimizer },
    lr: { ...budget.lr },
    alpha: variant.loss === 'lgm' ? (variant.alpha ? budget.alpha : zero) : null,
    lambda: takesLambda ? (variant.lambda ? budget.lambda : zero) : null,
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    seed: options.seed,
    logEvery: 10,
  });
}
