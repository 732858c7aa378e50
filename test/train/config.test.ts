import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDifferences, resolveTrainConfig, upgradeSavedConfig } from '../../src/train/config.js';
import { readRunConfig } from '../../src/train/run.js';
import { buildModel } from '../../src/train/model.js';
import { useCpu } from './fixtures.js';

test('resolveTrainConfig fills every default', () => {
  const c = resolveTrainConfig();
  assert.equal(c.net.name, 'lenetpp');
  assert.equal(c.loss.name, 'lgm');
  assert.equal(c.dataset.name, 'mnist');
  assert.equal(c.dataset.augment, false);
  assert.equal(resolveTrainConfig({ dataset: { name: 'cifar10' } }).dataset.augment, true);
  assert.deepEqual(c.optimizer, {
    name: 'sgd',
    momentum: 0.9,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 5e-4,
    mixtureLrMultiplier: 1,
  });
  assert.equal(c.alpha, null);
});

test('bad names and values list the valid choices', () => {
  assert.throws(
    () => resolveTrainConfig({ net: { name: 'vgg' as never } }),
    /net.name must be one of lenetpp, mlp, resnet20, resnet32, resnet56, resnet110, got 'vgg'/,
  );
  assert.throws(
    () => resolveTrainConfig({ loss: { name: 'focal' as never } }),
    /loss.name must be one of softmax, center, am-softmax, arcface, lgm, got 'focal'/,
  );
  assert.throws(
    () => resolveTrainConfig({ optimizer: { name: 'rmsprop' as never } }),
    /optimizer.name must be one of sgd, adam, got 'rmsprop'/,
  );
  assert.throws(
    () => resolveTrainConfig({ dataset: { name: 'svhn' } }),
    /dataset.name must be one of mnist, fashion-mnist, cifar10, cifar100, cifar100-coarse, synthetic, got 'svhn'/,
  );
  assert.throws(
    () => resolveTrainConfig({ optimizer: { momentum: 1 } }),
    /optimizer.momentum must be a finite number in \[0, /,
  );
  assert.throws(
    () => resolveTrainConfig({ batchSize: 0 }),
    /batchSize must be an integer in \[1, Infinity\], got number 0/,
  );
  assert.throws(
    () => resolveTrainConfig({ loss: { name: 'softmax' }, alpha: { kind: 'constant', value: 1 } }),
    /the alpha schedule applies only to loss 'lgm', got loss 'softmax'/,
  );
  assert.throws(() => resolveTrainConfig({ epoch: 3 } as never), /unknown option 'epoch'/);
});

test('a feature width that does not fit the loss is an error at build time', async () => {
  await useCpu();
  const config = resolveTrainConfig({ net: { name: 'mlp', featureDim: 1 }, loss: { name: 'arcface' } });
  assert.throws(
    () => buildModel(config, [4], 3),
    /arcFaceLoss: options.featureDim must be an integer >= 2, got number 1/,
  );
  const wrong = resolveTrainConfig({
    net: { name: 'mlp' },
    loss: { name: 'softmax', options: { covariance: 'diagonal' } },
  });
  assert.throws(
    () => buildModel(wrong, [4], 3),
    /softmaxLoss: unknown option 'covariance', expected one of numClasses, featureDim, seed/,
  );
});

test('configDifferences names each differing field', () => {
  const a = resolveTrainConfig({ epochs: 2 });
  const b = resolveTrainConfig({ epochs: 3, optimizer: { nesterov: true } });
  assert.deepEqual(configDifferences(a, b), [
    'epochs: 2 in the run vs 3 given',
    'optimizer.nesterov: false in the run vs true given',
  ]);
  assert.deepEqual(configDifferences(a, resolveTrainConfig({ epochs: 2 })), []);
});

test('a config saved under the older key optimizer.gmLrMultiplier reads as mixtureLrMultiplier', async () => {
  const current = resolveTrainConfig({ optimizer: { mixtureLrMultiplier: 10 } });
  const { mixtureLrMultiplier, ...optimizer } = current.optimizer;
  const old = { ...current, optimizer: { ...optimizer, gmLrMultiplier: mixtureLrMultiplier } };
  // The library takes only today's name; the file readers upgrade what an older lgm wrote.
  assert.throws(() => resolveTrainConfig(old as never), /gmLrMultiplier/);
  assert.deepEqual(upgradeSavedConfig(old), current);
  assert.equal(upgradeSavedConfig(current), current);
  const dir = mkdtempSync(join(tmpdir(), 'lgm-old-config-'));
  try {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ format: 'lgm-run-1', config: old, inputShape: [4], numClasses: 3 }),
    );
    const read = await readRunConfig(dir);
    assert.deepEqual(read.config, current);
    assert.equal(configDifferences(read, { ...read, config: current }).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
