import { parseArgs } from 'node:util';
import { LgmError } from '../util/errors.js';
import type { TrainConfigInput } from './config.js';
import type { ValueSchedule } from './schedules.js';

/** The flags of `lgm train` that set the config (the rest: --out, --resume, --backend, --quiet). */
export const TRAIN_CONFIG_FLAGS = {
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  augment: { type: 'boolean' },
  'no-augment': { type: 'boolean' },
  net: { type: 'string' },
  'feature-dim': { type: 'string' },
  hidden: { type: 'string' },
  loss: { type: 'string' },
  covariance: { type: 'string' },
  alpha: { type: 'string' },
  lambda: { type: 'string' },
  'no-log-det': { type: 'boolean' },
  'learn-priors': { type: 'boolean' },
  scale: { type: 'string' },
  margin: { type: 'string' },
  'alpha-schedule': { type: 'string' },
  'lambda-schedule': { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  'weight-decay': { type: 'string' },
  'gm-lr-mult': { type: 'string' },
  lr: { type: 'string' },
  'lr-schedule': { type: 'string' },
  milestones: { type: 'string' },
  gamma: { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'min-lr': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'eval-batch-size': { type: 'string' },
  seed: { type: 'string' },
  'log-every': { type: 'string' },
} as const;

/** The usage lines of the config flags (shared by `lgm train` and `lgm demo`). */
export const TRAIN_FLAGS_USAGE = [
  'Data:',
  '  --dataset <name>          mnist | fashion-mnist | cifar10 | cifar100 | cifar100-coarse | synthetic (default mnist)',
  '  --data-dir <dir>          directory of the dataset files (CIFAR: required)',
  '  --train-limit <n>         use only the first n training images (default all)',
  '  --test-limit <n>          use only the first n test images (default all)',
  '  --augment, --no-augment   CIFAR pad-4 crop + flip (default on for CIFAR only)',
  'Network:',
  '  --net <name>              lenetpp | mlp | resnet20 | resnet32 | resnet56 | resnet110 (default lenetpp)',
  '  --feature-dim <d>         feature width (default 2 for lenetpp/mlp, 64 for ResNets)',
  '  --hidden <w1,w2,...>      MLP hidden widths (default 64)',
  'Loss:',
  '  --loss <name>             softmax | center | am-softmax | arcface | lgm (default lgm)',
  '  --covariance <kind>       L-GM: identity | isotropic | diagonal (default identity)',
  '  --alpha <a>               L-GM margin (default 0.1)',
  '  --lambda <l>              L-GM likelihood / center-loss weight (default 0.01)',
  '  --no-log-det              L-GM: leave -1/2 log|Sigma| out of the logits',
  '  --learn-priors            L-GM: learn the class priors',
  '  --scale <s>, --margin <m> AM-Softmax (30, 0.35) / ArcFace (64, 0.5)',
  '  --alpha-schedule <spec>   stepup:start,factor,everySteps,max | ramp:value,epochs | constant:value',
  '  --lambda-schedule <spec>  ramp:value,epochs | stepup:... | constant:value',
  'Optimisation:',
  '  --optimizer <name>        sgd | adam (default sgd)',
  '  --momentum <m>            SGD momentum (default 0.9); --nesterov for Nesterov momentum',
  '  --weight-decay <wd>       L2 on kernels and class weights, never on variances/priors (default 5e-4)',
  '  --gm-lr-mult <k>          learning-rate multiplier of the mixture/center parameters (default 1)',
  '  --lr <lr>                 base learning rate (default 0.01)',
  '  --lr-schedule <kind>      constant | multistep | cosine (default constant)',
  '  --milestones <e1,e2,...>  multistep epochs; --gamma <g> its factor (default 0.1)',
  '  --warmup-epochs <e>       linear warm-up (default 0); --min-lr <lr> cosine floor (default 0)',
  '  --epochs <n>              (default 10); --batch-size <n> (default 64); --eval-batch-size <n> (default 500)',
  '  --seed <s>                seed of initialisation and data order (default 0)',
  '  --log-every <n>           steps between metrics.jsonl step records and plain progress lines (default 50)',
];

type Values = Record<string, string | boolean | undefined>;

function num(values: Values, flag: string): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) {
    throw new LgmError(`train: --${flag} must be a number, got '${String(v)}'`);
  }
  return n;
}

function list(values: Values, flag: string): number[] | undefined {
  const v = values[flag];
  if (typeof v !== 'string') return undefined;
  return v.split(',').map((part) => {
    const n = Number(part);
    if (part.trim() === '' || !Number.isFinite(n)) {
      throw new LgmError(`train: --${flag} must be comma-separated numbers, got '${v}'`);
    }
    return n;
  });
}

/** Parses 'stepup:0.1,2,5000,0.3', 'ramp:0.01,5' or 'constant:0.1' (validated later with the config). */
export function parseScheduleSpec(flag: string, spec: string): ValueSchedule {
  const [kind, args = ''] = spec.split(':');
  const n = list({ [flag]: args }, flag) ?? [];
  const fields: Record<string, string[]> = {
    constant: ['value'],
    stepup: ['start', 'factor', 'every', 'max'],
    ramp: ['value', 'epochs'],
  };
  const names = fields[kind];
  if (names === undefined || n.length !== names.length) {
    throw new LgmError(
      `train: --${flag} must be one of constant:value, stepup:start,factor,every,max, ramp:value,epochs, got '${spec}'`,
    );
  }
  return Object.fromEntries([['kind', kind], ...names.map((name, i) => [name, n[i]])]) as ValueSchedule;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Maps parsed config flags to a config input (absent flags stay absent, so defaults apply). */
export function configFromFlags(values: Values): TrainConfigInput {
  if (values.augment === true && values['no-augment'] === true) {
    throw new LgmError('train: --augment and --no-augment exclude each other, got both');
  }
  const str = (flag: string) => values[flag] as string | undefined;
  const alpha = str('alpha-schedule');
  const lambda = str('lambda-schedule');
  return defined({
    dataset: defined({
      name: str('dataset'),
      dataDir: str('data-dir'),
      trainLimit: num(values, 'train-limit'),
      testLimit: num(values, 'test-limit'),
      augment: values.augment === true ? true : values['no-augment'] === true ? false : undefined,
    }),
    net: defined({
      name: str('net') as never,
      featureDim: num(values, 'feature-dim'),
      hidden: list(values, 'hidden'),
    }),
    loss: defined({
      name: str('loss') as never,
      options: defined({
        covariance: str('covariance'),
        alpha: num(values, 'alpha'),
        lambda: num(values, 'lambda'),
        logDet: values['no-log-det'] === true ? false : undefined,
        learnPriors: values['learn-priors'] === true ? true : undefined,
        scale: num(values, 'scale'),
        margin: num(values, 'margin'),
      }),
    }),
    optimizer: defined({
      name: str('optimizer') as never,
      momentum: num(values, 'momentum'),
      nesterov: values.nesterov === true ? true : undefined,
      weightDecay: num(values, 'weight-decay'),
      gmLrMultiplier: num(values, 'gm-lr-mult'),
    }),
    lr: defined({
      kind: str('lr-schedule') as never,
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

/** The flags of `lgm train`: config flags plus --out, --resume, --backend, --quiet. */
export function parseTrainArgv(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...TRAIN_CONFIG_FLAGS,
      out: { type: 'string' },
      resume: { type: 'string' },
      backend: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  }).values as Values;
}

/** Whether any config flag was given (a bare `--resume DIR` reuses the run's saved config). */
export function hasConfigFlags(values: Values): boolean {
  return Object.keys(TRAIN_CONFIG_FLAGS).some((flag) => values[flag] !== undefined);
}
