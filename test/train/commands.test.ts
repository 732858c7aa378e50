import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { trainCommand } from '../../src/cli/commands/train.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { demoCommand, demoConfig } from '../../src/cli/commands/demo.js';
import { readMetrics } from '../../src/run/metrics.js';
import { tempDir } from './fixtures.js';
import { capture } from '../helpers/console.js';
import { assertAgreedSets } from '../detect/agreed-sets.js';

const TINY = [
  '--dataset',
  'synthetic',
  '--net',
  'mlp',
  '--hidden',
  '16',
  '--feature-dim',
  '2',
  '--train-limit',
  '128',
  '--test-limit',
  '64',
  '--epochs',
  '2',
  '--batch-size',
  '32',
  '--lr',
  '0.05',
  '--backend',
  'cpu',
  '--quiet',
];

test('lgm train then lgm eval on a tiny run; train --resume of a finished run with other options fails', async () => {
  const runDir = join(tempDir(), 'run');
  const trained = await capture(() =>
    trainCommand.run([...TINY, '--out', runDir, '--loss', 'lgm', '--covariance', 'isotropic']),
  );
  assert.equal(trained.code, 0);
  assert.match(trained.out, /test accuracy: \d+\.\d\d% \(64 images\)/);
  const epochs = (await readMetrics(runDir)).filter((r) => r.type === 'epoch');
  assert.equal(epochs.length, 2);
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  assert.equal(config.config.loss.options.covariance, 'isotropic');
  assert.equal(config.config.loss.options.alpha, 0.1); // resolved defaults are recorded
  const mixture = JSON.parse(readFileSync(join(runDir, 'mixture.json'), 'utf8'));
  assert.equal(mixture.covariance, 'isotropic');
  assert.equal(mixture.logVariances.length, 10);

  const evaluated = await capture(() => evalCommand.run([runDir, '--backend', 'cpu']));
  assert.equal(evaluated.code, 0);
  assert.match(evaluated.out, /test accuracy: \d+\.\d\d% \(64 images\)/);
  assert.match(evaluated.out, /confusion matrix/);
  assert.match(evaluated.out, /per-class feature statistics/);
  // The accuracy eval reports is the one training reported: same weights, same test images.
  const acc = (s: string) => s.match(/test accuracy: (\S+)%/)?.[1];
  assert.equal(acc(evaluated.out), acc(trained.out));
  const json = await capture(() => evalCommand.run([runDir, '--backend', 'cpu', '--json']));
  const parsed = JSON.parse(json.out);
  assert.equal(parsed.confusion.length, 10);
  assert.equal(parsed.perClass[0].mean.length, 2);

  await assert.rejects(
    trainCommand.run(['--resume', runDir, ...TINY, '--loss', 'softmax']),
    /the config must equal the run's, got differences:\n {2}config\.loss\.name: "lgm" in the run vs "softmax" given/,
  );
  await assert.rejects(
    trainCommand.run(['--resume', runDir, '--out', runDir]),
    /--out and --resume exclude each other/,
  );
  await assert.rejects(
    evalCommand.run([join(runDir, 'nope'), '--backend', 'cpu']),
    /loadRun: .*config.json must exist/,
  );
});

test('lgm train: unknown names list the valid choices', async () => {
  await assert.rejects(
    trainCommand.run(['--net', 'vgg16', '--backend', 'cpu']),
    /net.name must be one of lenetpp, mlp, resnet20, resnet32, resnet56, resnet110, got 'vgg16'/,
  );
  await assert.rejects(
    trainCommand.run(['--loss', 'cosface']),
    /loss.name must be one of softmax, center, am-softmax, arcface, lgm, got 'cosface'/,
  );
  await assert.rejects(
    trainCommand.run(['--optimizer', 'lbfgs']),
    /optimizer.name must be one of sgd, adam, got 'lbfgs'/,
  );
});

test('the demo config: LeNet++, 2-D feature, L-GM on MNIST with the budget given', () => {
  const c = demoConfig({ trainImages: 100, epochs: 2, testImages: 50, seed: 1, loss: 'lgm' });
  assert.equal(c.net.name, 'lenetpp');
  assert.equal(c.net.featureDim, 2);
  assert.equal(c.loss.name, 'lgm');
  assert.equal(c.dataset.name, 'mnist');
  assert.equal(c.dataset.trainLimit, 100);
  assert.equal(c.dataset.testLimit, 50);
  assert.equal(c.epochs, 2);
  assert.equal(c.optimizer.mixtureLrMultiplier, 10);
  assert.equal(
    demoConfig({ trainImages: 1, epochs: 1, testImages: 1, seed: 0, loss: 'softmax' }).alpha,
    null,
  );
});

test('lgm demo: a tiny budget trains LeNet++ with L-GM on MNIST and writes the run directory', async () => {
  const runDir = join(tempDir(), 'demo');
  const { code, out } = await capture(() =>
    demoCommand.run([
      '--train-limit',
      '16',
      '--test-limit',
      '8',
      '--attack-limit',
      '4',
      '--backend',
      'wasm',
      '--quiet',
      '--out',
      runDir,
    ]),
  );
  assert.equal(code, 0);
  assert.match(out, /test accuracy: \d+\.\d\d% \(8 images\)/);
  const files = [
    'config.json',
    'normalization.json',
    'metrics.jsonl',
    'checkpoint/tensors.bin',
    'features.json',
  ];
  files.push('mixture.json');
  // The detection half: FGSM and BIM sets, the detection table, and the report with its pictures.
  files.push(
    'adversarial/fgsm.json',
    'adversarial/bim.json',
    'detection.json',
    'report.md',
    'feature-space.png',
  );
  for (const f of files) assert.ok(existsSync(join(runDir, f)), f);
  assert.match(out, /lgm-mixture/, 'the detection table is printed');
  await assertAgreedSets(runDir, ['fgsm', 'bim']);
  await assert.rejects(
    demoCommand.run(['--train-limit', '0']),
    /demo: --train-limit must be an integer >= 1, got '0'/,
  );
});
