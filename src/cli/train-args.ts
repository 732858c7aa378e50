import { numberFlag, numberListFlag, parseFlags } from './flags.js';
import { resolve } from 'node:path';
import { LgmError } from '../util/errors.js';
import type { TrainConfigInput } from '../train/config.js';
import type { ValueSchedule } from '../train/schedules.js';

/** The flags of `lgm train` that take a value and set the config (the rest: --out, --resume, --backend). */
const CONFIG_STRING_FLAGS = [
  'dataset',
  'data-dir',
  'train-limit',
  'test-limit',
  'net',
  'model',
  'feature-layer',
  'feature-dim',
  'hidden',
  'loss',
  'covariance',
  'alpha',
  'lambda',
  'variance-prior',
  'scale',
  'margin',
  'alpha-schedule',
  'lambda-schedule',
  'optimizer',
  'momentum',
  'weight-decay',
  'gm-lr-mult',
  'lr',
  'lr-schedule',
  'milestones',
  'gamma',
  'warmup-epochs',
  'min-lr',
  'epochs',
  'batch-size',
  'eval-batch-size',
  'seed',
  'log-every',
] as const;

/** The boolean flags of `lgm train` that set the config (the rest: --quiet). */
const CONFIG_BOOLEAN_FLAGS = ['augment', 'no-augment', 'no-log-det', 'learn-priors', 'nesterov'] as const;

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
  '  --model <model.json>      your own tfjs-layers model instead of --net (its weights are the start),',
  '  --feature-layer <name>    cut at this layer (output [N, D]): it feeds the loss head (docs/own-model.md)',
  'Loss:',
  '  --loss <name>             softmax | center | am-softmax | arcface | lgm (default lgm)',
  '  --covariance <kind>       L-GM: identity | isotropic | diagonal (default identity)',
  '  --alpha <a>               L-GM margin (default 0.1)',
  '  --lambda <l>              L-GM likelihood / center-loss weight (default 0.01)',
  '  --no-log-det              L-GM: leave -1/2 log|Sigma| out of the logits',
  '  --learn-priors            L-GM: learn the class priors',
  "  --variance-prior <beta>   L-GM, learned variances: precision of the log-variances' prior (default 1; 0 off)",
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
      gmLrMultiplier: num(values, 'gm-lr-mult'),
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
  return parseFlags(argv, {
    strings: [...CONFIG_STRING_FLAGS, 'out', 'resume', 'backend', 'checkpoint-every'],
    booleans: [...CONFIG_BOOLEAN_FLAGS, 'quiet'],
  }).values;
}

/** Whether any config flag was given (a bare `--resume DIR` reuses the run's saved config). */
export function hasConfigFlags(values: Values): boolean {
  return [...CONFIG_STRING_FLAGS, ...CONFIG_BOOLEAN_FLAGS].some((flag) => values[flag] !== undefined);
}
