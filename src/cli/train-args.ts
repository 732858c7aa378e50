import {
  BACKEND_FLAG,
  type FlagDef,
  numberFlag,
  numberListFlag,
  olderName,
  parseFlagTable,
  renamedValue,
} from './flags.js';
import { NETWORK_NAMES } from '../nets/registry.js';
import { LOSS_NAMES } from '../losses/registry.js';
import { COVARIANCE_KINDS } from '../gm/params.js';
import { resolve } from 'node:path';
import { LgmError } from '../util/errors.js';
import { OPTIMIZERS, type TrainConfigInput } from '../train/config.js';
import { TRAIN_DATASETS } from '../train/datasets.js';
import { LR_SCHEDULES, type ValueSchedule } from '../train/schedules.js';

const v = (name: string, value: string, help: string | string[], section?: string) =>
  ({ name, value, help, ...(section === undefined ? {} : { section }) }) as const;
const b = (name: string, help: string) => ({ name, help }) as const;

/** The flags of `lgm train` that set the config, in usage order (the rest: TRAIN_RUN_FLAGS). */
export const TRAIN_CONFIG_FLAGS: readonly FlagDef[] = [
  v('dataset', '<name>', `${TRAIN_DATASETS.join(' | ')} (default mnist)`, 'Data:'),
  v('data-dir', '<dir>', 'directory of the dataset files (CIFAR: required)'),
  v('train-limit', '<n>', 'use only the first n training images (default all)'),
  v('test-limit', '<n>', 'use only the first n test images (default all)'),
  b('augment', 'CIFAR pad-4 crop + flip (default on for CIFAR only)'),
  b('no-augment', 'no augmentation'),
  v('net', '<name>', `${NETWORK_NAMES.join(' | ')} (default lenetpp)`, 'Network:'),
  v('feature-dim', '<d>', 'feature width (default 2 for lenetpp/mlp, 64 for ResNets)'),
  v('hidden', '<w1,w2,...>', 'MLP hidden widths (default 64)'),
  v('model', '<model.json>', 'your own tfjs-layers model instead of --net (needs --feature-layer)'),
  v(
    'feature-layer',
    '<name>',
    'cut at this layer (output [N, D]): it feeds the loss head (docs/own-model.md)',
  ),
  v('loss', '<name>', `${LOSS_NAMES.join(' | ')} (default lgm)`, 'Loss:'),
  v('covariance', '<kind>', `L-GM: ${COVARIANCE_KINDS.join(' | ')} (default identity)`),
  v('alpha', '<a>', 'L-GM margin (default 0.1)'),
  v('lambda', '<l>', 'L-GM likelihood / center-loss weight (default 0.01)'),
  b('no-log-det', 'L-GM: leave -1/2 log|Sigma| out of the logits'),
  b('learn-priors', 'L-GM: learn the class priors'),
  v(
    'variance-prior',
    '<beta>',
    "L-GM, learned variances: precision of the log-variances' prior (default 1; 0 off)",
  ),
  v('scale', '<s>', 'AM-Softmax (default 30) / ArcFace (default 64) scale'),
  v('margin', '<m>', 'AM-Softmax (default 0.35) / ArcFace (default 0.5) margin'),
  v('alpha-schedule', '<spec>', 'stepup:start,factor,everySteps,max | ramp:value,epochs | constant:value'),
  v('lambda-schedule', '<spec>', 'ramp:value,epochs | stepup:... | constant:value'),
  v('optimizer', '<name>', `${OPTIMIZERS.join(' | ')} (default sgd)`, 'Optimisation:'),
  v('momentum', '<m>', 'SGD momentum (default 0.9)'),
  b('nesterov', 'Nesterov momentum'),
  v('weight-decay', '<wd>', 'L2 on kernels and class weights, never on variances/priors (default 5e-4)'),
  v('mixture-lr-mult', '<k>', 'learning-rate multiplier of the mixture/center parameters (default 1)'),
  olderName('gm-lr-mult', 'mixture-lr-mult', '<k>'),
  v('lr', '<lr>', 'base learning rate (default 0.01)'),
  v('lr-schedule', '<kind>', `${LR_SCHEDULES.join(' | ')} (default constant)`),
  v('milestones', '<e1,e2,...>', 'multistep epochs'),
  v('gamma', '<g>', 'multistep factor (default 0.1)'),
  v('warmup-epochs', '<e>', 'linear warm-up (default 0)'),
  v('min-lr', '<lr>', 'cosine floor (default 0)'),
  v('epochs', '<n>', 'passes over the training set (default 10)'),
  v('batch-size', '<n>', 'training batch size (default 64)'),
  v('eval-batch-size', '<n>', 'evaluation batch size (default 500)'),
  v('seed', '<s>', 'seed of initialisation and data order (default 0)'),
  v('log-every', '<n>', 'steps between metrics.jsonl step records and plain progress lines (default 50)'),
];

/** The flags of `lgm train` that say where the run goes and how it runs. */
export const TRAIN_RUN_FLAGS: readonly FlagDef[] = [
  v('out', '<dir>', 'run directory to create (default runs/<date>-<net>-<loss>)', 'Run:'),
  v('resume', '<dir>', [
    'continue a run from its checkpoint (Ctrl-C, SIGTERM, SIGHUP write one);',
    'with no other options the saved config is used, else they must equal it',
  ]),
  v('checkpoint-every', '<n>', [
    'checkpoint within epochs every n steps, a time (30s, 5m, 1h), both',
    "(500,5m) or 'epoch' (default 5m; every epoch end and interrupt anyway)",
  ]),
  BACKEND_FLAG,
  b('quiet', 'no progress output'),
];

/** Every flag of `lgm train`. */
export const TRAIN_FLAGS: readonly FlagDef[] = [...TRAIN_RUN_FLAGS, ...TRAIN_CONFIG_FLAGS];

type Values = Record<string, string | boolean | undefined>;

const WHERE = 'train';

/** A string flag's value (parseTrainArgv gives strings for string flags). */
const str = (values: Values, flag: string) => values[flag] as string | undefined;

/** A numeric config flag (absent: undefined, so the config's default applies). */
const num = (values: Values, flag: string) => numberFlag(WHERE, flag, str(values, flag), undefined);

/** A comma-separated numeric config flag (absent: undefined). */
const list = (values: Values, flag: string) => numberListFlag(WHERE, flag, str(values, flag));

/** Parses 'stepup:0.1,2,5000,0.3', 'ramp:0.01,5' or 'constant:0.1' (validated later with the config). */
export function parseScheduleSpec(flag: string, spec: string): ValueSchedule {
  const [kind, args = ''] = spec.split(':');
  const n = numberListFlag(WHERE, flag, args) ?? [];
  const fields: Record<string, string[]> = {
    constant: ['value'],
    stepup: ['start', 'factor', 'every', 'max'],
    ramp: ['value', 'epochs'],
  };
  const names = fields[kind];
  if (names === undefined || n.length !== names.length) {
    throw new LgmError(
      `${WHERE}: --${flag} must be one of constant:value, stepup:start,factor,every,max, ramp:value,epochs, got '${spec}'`,
    );
  }
  return Object.fromEntries([['kind', kind], ...names.map((name, i) => [name, n[i]])]) as ValueSchedule;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** --net, or --model with --feature-layer (the model's path made absolute, so a resume works from anywhere). */
function netFromFlags(values: Values): TrainConfigInput['net'] {
  const model = str(values, 'model');
  const featureLayer = str(values, 'feature-layer');
  if (model === undefined) {
    if (featureLayer !== undefined)
      throw new LgmError('train: --feature-layer needs --model, got no --model');
    return defined({
      name: str(values, 'net') as never,
      featureDim: num(values, 'feature-dim'),
      hidden: list(values, 'hidden'),
    });
  }
  if (values.net !== undefined) throw new LgmError('train: --model and --net exclude each other, got both');
  if (featureLayer === undefined)
    throw new LgmError(
      `train: --model needs --feature-layer <name> (the layer whose output feeds the loss), got none`,
    );
  return defined({
    name: 'custom' as const,
    model: resolve(model),
    featureLayer,
    featureDim: num(values, 'feature-dim'),
    hidden: list(values, 'hidden'),
  });
}

/** Maps parsed config flags to a config input (absent flags stay absent, so defaults apply). */
export function configFromFlags(values: Values): TrainConfigInput {
  if (values.augment === true && values['no-augment'] === true) {
    throw new LgmError('train: --augment and --no-augment exclude each other, got both');
  }
  const alpha = str(values, 'alpha-schedule');
  const lambda = str(values, 'lambda-schedule');
  return defined({
    dataset: defined({
      name: str(values, 'dataset'),
      dataDir: str(values, 'data-dir'),
      trainLimit: num(values, 'train-limit'),
      testLimit: num(values, 'test-limit'),
      augment: values.augment === true ? true : values['no-augment'] === true ? false : undefined,
    }),
    net: netFromFlags(values),
    loss: defined({
      name: str(values, 'loss') as never,
      options: defined({
        covariance: str(values, 'covariance'),
        alpha: num(values, 'alpha'),
        lambda: num(values, 'lambda'),
        logDet: values['no-log-det'] === true ? false : undefined,
        learnPriors: values['learn-priors'] === true ? true : undefined,
        variancePrior: num(values, 'variance-prior'),
        scale: num(values, 'scale'),
        margin: num(values, 'margin'),
      }),
    }),
    optimizer: defined({
      name: str(values, 'optimizer') as never,
      momentum: num(values, 'momentum'),
      nesterov: values.nesterov === true ? true : undefined,
      weightDecay: num(values, 'weight-decay'),
      mixtureLrMultiplier: numberFlag(
        WHERE,
        'mixture-lr-mult',
        renamedValue(WHERE, values, 'mixture-lr-mult', 'gm-lr-mult'),
        undefined,
      ),
    }),
    lr: defined({
      kind: str(values, 'lr-schedule') as never,
      base: num(values, 'lr'),
      milestones: list(values, 'milestones'),
      gamma: num(values, 'gamma'),
      warmupEpochs: num(values, 'warmup-epochs'),
      minLr: num(values, 'min-lr'),
    }),
    alpha: alpha === undefined ? undefined : parseScheduleSpec('alpha-schedule', alpha),
    lambda: lambda === undefined ? undefined : parseScheduleSpec('lambda-schedule', lambda),
    epochs: num(values, 'epochs'),
    batchSize: num(values, 'batch-size'),
    evalBatchSize: num(values, 'eval-batch-size'),
    seed: num(values, 'seed'),
    logEvery: num(values, 'log-every'),
  });
}

/** The flags of `lgm train`: config flags plus --out, --resume, --backend, --checkpoint-every, --quiet. */
export function parseTrainArgv(argv: string[]): Values {
  return parseFlagTable(argv, TRAIN_FLAGS).values as Values;
}

/** Whether any config flag was given (a bare `--resume DIR` reuses the run's saved config). */
export function hasConfigFlags(values: Values): boolean {
  return TRAIN_CONFIG_FLAGS.some((flag) => values[flag.name] !== undefined);
}
