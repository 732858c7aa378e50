import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { attackCommand } from '../../src/cli/commands/attack.js';
import { detectCommand } from '../../src/cli/commands/detect.js';
import { readAdversarialSet } from '../../src/run/adversarial.js';
import { assertAgreedSets } from './agreed-sets.js';
import type { DetectionReport } from '../../src/detect/index.js';
import { mnistRun } from './run-fixture.js';
import { capture } from '../helpers/console.js';

let lgmRun: string;
let softmaxRun: string;

before(async () => {
  await initBackend('cpu');
  lgmRun = await mnistRun('lgm');
  softmaxRun = await mnistRun('softmax');
});

after(() => {
  for (const dir of [lgmRun, softmaxRun]) rmSync(join(dir, '..'), { recursive: true, force: true });
});

/** Command-line arguments: --run <dir>, the space-separated rest, and the cpu backend. */
const args = (runDir: string, rest: string) => ['--run', runDir, ...rest.split(' '), '--backend', 'cpu'];

test('lgm attack writes adversarial sets that respect the budget', async () => {
  const { code, out } = await capture(() =>
    attackCommand.run(args(lgmRun, '--attacks fgsm,pgd --epsilon 0.2 --limit 100 --steps 3')),
  );
  assert.equal(code, 0);
  assert.match(out, /^fgsm\s+\d+\.\d%/m);
  for (const name of ['fgsm', 'pgd']) {
    const { file, inputs } = await readAdversarialSet(lgmRun, name);
    assert.deepEqual(inputs.shape, [100, 28, 28, 1]);
    assert.deepEqual(
      file.indices,
      Array.from({ length: 100 }, (_, i) => i),
    );
    // The attacked function normalises pixels as lgm train did: clean accuracy on the same 100 test images
    // equals the trainer's final test accuracy.
    const epochs = readFileSync(join(lgmRun, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; testAccuracy?: number })
      .filter((r) => r.type === 'epoch');
    const cleanAccuracy = file.originalCorrect.filter(Boolean).length / 100;
    const trained = epochs[epochs.length - 1].testAccuracy ?? -1;
    assert.ok(Math.abs(cleanAccuracy - trained) < 1e-6, `${cleanAccuracy} vs ${trained}`);
    assert.deepEqual(file.options.epsilon, 0.2);
    for (const v of file.linf) assert.ok(v <= 0.2 + 1e-6);
    assert.ok((file.successRate ?? 0) > 0.5, `${name} success ${file.successRate}`);
    inputs.dispose();
  }
});

test('lgm detect prints the table and writes detection.json; lgm detectors only for L-GM runs', async () => {
  const before = tf.memory().numTensors;
  const { code, out } = await capture(() =>
    detectCommand.run(args(lgmRun, '--ood gaussian,uniform --limit 60 --fit-limit 300')),
  );
  assert.equal(code, 0);
  assert.equal(tf.memory().numTensors, before);
  const report = JSON.parse(readFileSync(join(lgmRun, 'detection.json'), 'utf8')) as DetectionReport;
  const detectors = ['lgm-class', 'lgm-mixture', 'msp', 'energy', 'mahalanobis', 'kde', 'kde-h1.5'];
  // The sets reproduce reports too: each attack's adversarial versions of the correctly classified attacked
  // images (-all) and the ones it flipped (-successful), each against those clean images.
  const sets = ['fgsm-all', 'fgsm-successful', 'pgd-all', 'pgd-successful', 'gaussian', 'uniform'];
  assert.equal(report.rows.length, detectors.length * sets.length);
  assert.deepEqual([...new Set(report.rows.map((r) => r.detector))], detectors);
  assert.deepEqual([...new Set(report.rows.map((r) => r.inputSet))], sets);
  for (const r of report.rows) {
    assert.ok(r.auroc >= 0 && r.auroc <= 1 && r.fpr95 >= 0 && r.fpr95 <= 1);
    assert.equal(r.attackSuccessRate !== undefined, /^(fgsm|pgd)-/.test(r.inputSet));
  }
  await assertAgreedSets(lgmRun, ['fgsm', 'pgd']);
  const uniform = report.rows.find((r) => r.detector === 'lgm-class' && r.inputSet === 'uniform');
  assert.ok(uniform !== undefined && uniform.auroc > 0.9, `lgm-class vs uniform ${uniform?.auroc}`);
  assert.equal(report.curves.length, report.rows.length);
  for (const c of report.curves) assert.ok(c.fpr.length <= 200 && c.fpr.length === c.tpr.length);
  assert.match(out, /^lgm-class\s+uniform\s+\d+\.\d/m);

  const soft = await capture(() =>
    detectCommand.run(args(softmaxRun, '--ood uniform --limit 40 --fit-limit 200')),
  );
  assert.equal(soft.code, 0);
  assert.doesNotMatch(soft.out, /lgm-class/);
  assert.match(soft.out, /^mahalanobis\s+uniform/m);
  await assert.rejects(
    detectCommand.run(args(softmaxRun, '--detectors lgm-class --ood uniform')),
    /detect: detector lgm-class needs the run's mixture.json \(an L-GM run\), got none/,
  );
});

test('lgm attack and lgm detect reject bad arguments clearly', async () => {
  await assert.rejects(attackCommand.run([]), /attack: --run must name a run directory, got nothing/);
  await assert.rejects(
    attackCommand.run(args(lgmRun, '--attacks fgsm,jsma')),
    /attack: --attacks entries must be among fgsm, bim, pgd, pgd-l2, deepfool, cw, got 'jsma'/,
  );
  await assert.rejects(
    attackCommand.run(args(lgmRun, '--epsilon x')),
    /attack: --epsilon must be a number >= 0, got 'x'/,
  );
  await assert.rejects(attackCommand.run(args(lgmRun, '--bogus')), /Unknown option '--bogus'/);
  await assert.rejects(
    detectCommand.run(args(lgmRun, '--limit 0')),
    /detect: --limit must be an integer >= 1, got '0'/,
  );
  await assert.rejects(
    detectCommand.run(args(lgmRun, '--adversarial none --ood none --limit 10 --fit-limit 50')),
    /detect: needs at least one adversarial or OOD input set, got none/,
  );
  await assert.rejects(
    detectCommand.run(args(lgmRun, '--adversarial cw --limit 10')),
    /readAdversarialSet: .*cw.json must exist \(run lgm attack first\), got no such file/,
  );
  await assert.rejects(
    detectCommand.run(args(lgmRun, '--ood cifar10 --limit 10 --fit-limit 50')),
    /cifar10 needs dataDir/,
  );
  const missing = join(lgmRun, '..', 'nothing-here');
  assert.equal(existsSync(missing), false);
  await assert.rejects(
    detectCommand.run(args(missing, '--limit 10')),
    /nothing-here\/config.json must exist \(is .*nothing-here a run directory\?\), got no such file/,
  );
});
