import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTrainConfig } from '../../src/train/config.js';
import { configFromFlags, parseScheduleSpec, parseTrainArgv } from '../../src/cli/train-args.js';

test('CLI flags map onto the config; bad flags are errors', () => {
  const values = parseTrainArgv([
    '--net',
    'mlp',
    '--hidden',
    '32,16',
    '--loss',
    'lgm',
    '--covariance',
    'diagonal',
    '--alpha-schedule',
    'stepup:0.1,2,5000,0.3',
    '--lambda-schedule',
    'ramp:0.01,5',
    '--nesterov',
    '--lr-schedule',
    'multistep',
    '--milestones',
    '10,20',
    '--no-augment',
  ]);
  const c = resolveTrainConfig(configFromFlags(values));
  assert.deepEqual(c.net, { name: 'mlp', featureDim: null, hidden: [32, 16] });
  assert.deepEqual(c.loss, { name: 'lgm', options: { covariance: 'diagonal' } });
  assert.deepEqual(c.alpha, { kind: 'stepup', start: 0.1, factor: 2, every: 5000, max: 0.3 });
  assert.deepEqual(c.lambda, { kind: 'ramp', value: 0.01, epochs: 5 });
  assert.equal(c.optimizer.nesterov, true);
  assert.deepEqual(c.lr.milestones, [10, 20]);
  assert.equal(c.dataset.augment, false);
  assert.throws(() => parseTrainArgv(['--nett', 'mlp']), /Unknown option '--nett'/);
  assert.throws(
    () => configFromFlags(parseTrainArgv(['--lr', 'fast'])),
    /train: --lr must be a number, got 'fast'/,
  );
  assert.throws(
    () => parseScheduleSpec('alpha-schedule', 'linear:1'),
    /--alpha-schedule must be one of constant:value, stepup:start,factor,every,max, ramp:value,epochs, got 'linear:1'/,
  );
});

test('--mixture-lr-mult sets the mixture learning-rate multiplier; --gm-lr-mult, its older name, still does', () => {
  const multiplier = (...argv: string[]) =>
    resolveTrainConfig(configFromFlags(parseTrainArgv(argv))).optimizer.mixtureLrMultiplier;
  assert.equal(multiplier('--mixture-lr-mult', '10'), 10);
  assert.equal(multiplier('--gm-lr-mult', '4'), 4);
  assert.equal(multiplier(), 1);
  assert.throws(() => multiplier('--mixture-lr-mult', '10', '--gm-lr-mult', '4'), {
    message: 'train: --mixture-lr-mult and its older name --gm-lr-mult exclude each other, got both',
  });
});
