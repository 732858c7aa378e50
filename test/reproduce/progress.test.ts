import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Progress } from '../../src/reproduce/index.js';
import { LgmError } from '../../src/util/errors.js';

test('Progress runs each stage once, keeps notes, records LgmError failures and survives reopening', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lgm-progress-'));
  try {
    const plan = { experiment: 'mnist', seed: 0 };
    const p = await Progress.open(dir, plan);
    let runs = 0;
    assert.equal(await p.stage('train/a', async () => void runs++), true);
    assert.equal(await p.stage('train/a', async () => void runs++), false);
    assert.equal(runs, 1);
    await p.stage('detect/a', async () => ['fgsm fooled nothing']);
    await p.stage('train/b', () => Promise.reject(new LgmError('train: the loss must stay finite, got NaN')));
    await assert.rejects(
      p.stage('train/c', () => Promise.reject(new Error('disk full'))),
      /disk full/,
    );
    assert.equal(p.done('train/c'), false);
    assert.equal(p.failure('a'), null);
    assert.equal(p.failure('b'), 'train/b: train: the loss must stay finite, got NaN');

    const again = await Progress.open(dir, plan);
    assert.deepEqual(again.notes(), ['detect/a: fgsm fooled nothing']);
    assert.equal(again.done('train/b'), true);
    assert.ok(again.total('train/') >= again.seconds('train/a'));
    await assert.rejects(
      Progress.open(dir, { ...plan, seed: 1 }),
      /holds another plan .*\n {2}seed: 0 in the run vs 1 given/,
    );
    await writeFile(join(dir, 'progress.json'), '{"format": "lgm-repro');
    await assert.rejects(
      Progress.open(dir, plan),
      new RegExp(
        `reproduce: ${join(dir, 'progress.json')} must be valid JSON \\(truncated or corrupt\\), got`,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("Progress opens a plan an older lgm saved (optimizer.gmLrMultiplier) under today's names", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lgm-progress-'));
  try {
    const optimizer = { name: 'sgd', momentum: 0.9 };
    const plan = (key: string) => ({
      experiment: 'mnist',
      budget: { epochs: 10, optimizer: { ...optimizer, [key]: 1 } },
      seed: 0,
      configs: { 'lgm-2d': { epochs: 10, optimizer: { ...optimizer, [key]: 1 } } },
    });
    const old = {
      format: 'lgm-reproduce-1',
      plan: plan('gmLrMultiplier'),
      stages: { 'train/lgm-2d': { seconds: 5, finishedAt: 'x' } },
    };
    await writeFile(join(dir, 'progress.json'), JSON.stringify(old));
    const p = await Progress.open(dir, plan('mixtureLrMultiplier'));
    assert.equal(p.done('train/lgm-2d'), true);
    await assert.rejects(
      Progress.open(dir, { ...plan('mixtureLrMultiplier'), seed: 1 }),
      /holds another plan .*\n {2}seed: 0 in the run vs 1 given/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
