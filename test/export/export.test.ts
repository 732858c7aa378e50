/**
 * lgm export and loadLgmModel on real runs (a small MLP trained by lgm train on 400 MNIST images): the loaded
 * model gives lgm eval's accuracy and lgm detect's lgm-class scores; the threshold flags the asked fraction of
 * training images; exports work as --run of eval / attack / detect, and by name through the pretrained folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { detectCommand } from '../../src/cli/commands/detect.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { attackCommand } from '../../src/cli/commands/attack.js';
import {
  batchedFeatures,
  createDetector,
  detectionMetrics,
  loadInputs,
  noiseInputs,
  type DetectionReport,
} from '../../src/detect/index.js';
import { readMixtureFile, runNormalization } from '../../src/run/index.js';
import { exportRun } from '../../src/export/export-run.js';
import { loadLgmModel, lowerQuantile } from '../../src/export/lgm-model.js';
import { loadPretrained, PRETRAINED_ENV } from '../../src/export/pretrained.js';
import { loadRun } from '../../src/train/run.js';
import { mnistRun } from '../detect/run-fixture.js';
import { capture } from '../helpers/console.js';
import { lgm } from '../helpers/cli.js';

let lgmRun: string;
let softmaxRun: string;
let work: string;

before(async () => {
  await initBackend('cpu');
  lgmRun = await mnistRun('lgm');
  softmaxRun = await mnistRun('softmax');
  work = mkdtempSync(join(tmpdir(), 'lgm-export-'));
});

after(() => {
  for (const dir of [lgmRun, softmaxRun]) rmSync(join(dir, '..'), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const evalAccuracy = async (args: string[]) => {
  const { code, out } = await capture(() => evalCommand.run([...args, '--json', '--backend', 'cpu']));
  assert.equal(code, 0);
  return (JSON.parse(out) as { accuracy: number; count: number }).accuracy;
};

test('an exported L-GM run gives lgm eval accuracy and lgm detect lgm-class scores', async () => {
  const dir = join(work, 'lgm');
  const { code, out } = await capture(() =>
    exportCommand.run(['--run', lgmRun, '--out', dir, '--flag-rate', '0.1', '--backend', 'cpu']),
  );
  assert.equal(code, 0);
  assert.match(
    out,
    /unfamiliar threshold: class log-likelihood < -?\d+\.\d+ \(10\.0% of 400 clean training images\)/,
  );
  const tensorsBefore = tf.memory().numTensors;
  const model = await loadLgmModel(dir);
  assert.equal(model.metadata.head, 'lgm');
  assert.deepEqual(model.metadata.calibration, { dataset: 'mnist', split: 'train', images: 400 });

  // Accuracy on the run's 100 test images (pixels / 255, normalised by the model) equals lgm eval's.
  const testSet = await loadInputs('mnist', { split: 'test', limit: 100 });
  const predictions = await model.predict(testSet.x, { batchSize: 32 });
  const labels = Array.from(testSet.y.dataSync());
  const accuracy = predictions.filter((p, i) => p.class === labels[i]).length / labels.length;
  assert.equal(accuracy, await evalAccuracy([lgmRun]));
  for (const p of predictions) {
    assert.ok(Math.abs(p.posterior.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(p.posterior.indexOf(Math.max(...p.posterior)), p.class);
    assert.equal(p.unfamiliar, (p.logLikelihood as number) < model.metadata.threshold);
  }

  // The lgm-class detector of lgm detect, on the run itself: its score is minus the model's log-likelihood.
  const run = await loadRun(lgmRun);
  const mixture = await readMixtureFile(lgmRun);
  // The normalisation saved at train time is the one recomputed from the training images.
  assert.deepEqual(run.normalization, await runNormalization(run.config.dataset));
  const classifier = run.classifier;
  const detector = createDetector('lgm-class', { classifier, mixture, where: 'test' });
  const train = await loadInputs('mnist', { split: 'train', limit: 400 });
  const trainFeatures = batchedFeatures(classifier, train.x, 100);
  detector.fitFeatures(trainFeatures, train.y);
  const cleanFeatures = batchedFeatures(classifier, testSet.x, 100);
  const detectorScores = detector.scoreFeatures(cleanFeatures);
  predictions.forEach((p, i) => {
    const ll = p.logLikelihood as number;
    assert.ok(
      Math.abs(ll + detectorScores[i]) <= 1e-4 * Math.max(1, Math.abs(ll)),
      `${i}: ${ll} vs ${detectorScores[i]}`,
    );
  });

  // The threshold: the 10% lower quantile of the 400 calibration images' log-likelihoods.
  const calibration = await model.predict(train.x);
  const trainLl = calibration.map((p) => p.logLikelihood as number);
  assert.equal(model.metadata.threshold, lowerQuantile(trainLl, 0.1));
  const flagged = calibration.filter((p) => p.unfamiliar).length;
  assert.ok(flagged >= 39 && flagged <= 41, `flagged ${flagged} of 400`);

  // lgm detect's AUROC against Gaussian noise equals the one of the model's own scores.
  const { code: detectCode } = await capture(() =>
    detectCommand.run(
      `--run ${lgmRun} --detectors lgm-class --ood gaussian --limit 100 --fit-limit 400 --backend cpu`.split(
        ' ',
      ),
    ),
  );
  assert.equal(detectCode, 0);
  const report = JSON.parse(readFileSync(join(lgmRun, 'detection.json'), 'utf8')) as DetectionReport;
  const noise = noiseInputs('gaussian', 100, [28, 28, 1], 0);
  const noiseLl = (await model.predict(noise)).map((p) => -(p.logLikelihood as number));
  const cleanLl = predictions.map((p) => -(p.logLikelihood as number));
  assert.ok(Math.abs(detectionMetrics(cleanLl, noiseLl).auroc - report.rows[0].auroc) < 1e-6);

  tf.dispose([testSet.x, testSet.y, train.x, train.y, trainFeatures, cleanFeatures, noise]);
  detector.dispose();
  mixture?.dispose();
  run.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('an export is a --run of eval, attack and detect, and a pretrained model by name', async () => {
  const dir = join(work, 'pretrained', 'mnist-test-lgm');
  await exportRun(lgmRun, dir, { flagRate: 0.05 });
  const out = join(work, 'from-export');
  assert.equal(await evalAccuracy(['--run', dir, '--out', out]), await evalAccuracy([lgmRun]));
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'mixture.json'), 'utf8')),
    JSON.parse(readFileSync(join(lgmRun, 'mixture.json'), 'utf8')),
  );

  process.env[PRETRAINED_ENV] = join(work, 'pretrained');
  try {
    const byName = join(work, 'by-name');
    assert.equal(
      await evalAccuracy(['--run', 'pretrained:mnist-test-lgm', '--out', byName]),
      await evalAccuracy([lgmRun]),
    );
    const attack = await capture(() =>
      attackCommand.run([
        '--run',
        'pretrained:mnist-test-lgm',
        '--out',
        byName,
        '--limit',
        '20',
        '--backend',
        'cpu',
      ]),
    );
    assert.equal(attack.code, 0);
    const detect = await capture(() =>
      detectCommand.run([
        '--run',
        'pretrained:mnist-test-lgm',
        '--out',
        byName,
        '--limit',
        '50',
        '--fit-limit',
        '400',
        '--ood',
        'uniform',
        '--backend',
        'cpu',
      ]),
    );
    assert.equal(detect.code, 0);
    const rows = (JSON.parse(readFileSync(join(byName, 'detection.json'), 'utf8')) as DetectionReport).rows;
    assert.deepEqual([...new Set(rows.map((r) => r.inputSet))].sort(), [
      'bim-all',
      'bim-successful',
      'fgsm-all',
      'fgsm-successful',
      'uniform',
    ]);
    assert.ok(rows.some((r) => r.detector === 'lgm-class'));

    const model = await loadPretrained('mnist-test-lgm');
    assert.equal(model.metadata.flagRate, 0.05);
    model.dispose();
    await assert.rejects(
      loadPretrained('mnist-lgm-2d'),
      /no model 'mnist-lgm-2d' \(available: mnist-test-lgm;/,
    );
    const missing = lgm('eval', '--run', 'pretrained:nope');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^lgm eval: pretrained: no model 'nope' \(available: mnist-test-lgm;/);
  } finally {
    delete process.env[PRETRAINED_ENV];
  }
});

test('a softmax run exports with a dense head; the score is the log max softmax', async () => {
  const dir = join(work, 'softmax');
  const { metadata } = await exportRun(softmaxRun, dir, { flagRate: 0.05, calibrationImages: 200 });
  assert.equal(metadata.head, 'softmax');
  assert.equal(metadata.calibration.images, 200);
  const model = await loadLgmModel(`file://${dir}/model.json`);
  const testSet = await loadInputs('mnist', { split: 'test', limit: 100 });
  const predictions = await model.predict(testSet.x);
  const labels = Array.from(testSet.y.dataSync());
  const accuracy = predictions.filter((p, i) => p.class === labels[i]).length / 100;
  assert.equal(accuracy, await evalAccuracy([softmaxRun]));
  for (const p of predictions) {
    assert.equal(p.logLikelihood, null);
    assert.ok(Math.abs(p.score - Math.log(p.posterior[p.class])) < 1e-5);
  }
  // One image without the batch axis.
  const one = tf.reshape(tf.slice(testSet.x, 0, 1), [28, 28, 1]);
  // (Batch size changes float rounding on cpu: equal to 1e-6.)
  const [single] = await model.predict(one);
  assert.equal(single.class, predictions[0].class);
  single.posterior.forEach((v, k) => assert.ok(Math.abs(v - predictions[0].posterior[k]) < 1e-6));
  tf.dispose([one, testSet.x, testSet.y]);
  model.dispose();
});

test('bad exports and inputs are named', async () => {
  await assert.rejects(
    exportRun(lgmRun, join(work, 'x'), { flagRate: 1 }),
    /export: flagRate must be in \(0, 1\), got 1/,
  );
  const model = await loadLgmModel(join(work, 'lgm'));
  assert.throws(
    () => model.features(tf.zeros([2, 784])),
    /images must be \[N,28,28,1\] or \[28,28,1\] pixels \/ 255 in \[0, 1\], got float32 \[2,784\]/,
  );
  model.dispose();
  // A TF.js model without lgm's metadata.
  const plain = join(work, 'plain');
  cpSync(join(work, 'lgm'), plain, { recursive: true });
  const json = JSON.parse(readFileSync(join(plain, 'model.json'), 'utf8')) as Record<string, unknown>;
  delete json.userDefinedMetadata;
  writeFileSync(join(plain, 'model.json'), JSON.stringify(json));
  await assert.rejects(
    loadLgmModel(plain),
    /must have userDefinedMetadata\.lgm \(a model written by lgm export\), got undefined/,
  );
  await assert.rejects(loadLgmModel(join(work, 'none')), /does not exist/);
  const noRun = lgm('export', '--out', join(work, 'y'));
  assert.equal(noRun.code, 2);
  assert.match(noRun.stderr, /^lgm export: export: --run must name a run directory/);
  // A directory below a regular file cannot be made.
  const blocked = join(work, 'a-file', 'export');
  writeFileSync(join(work, 'a-file'), 'not a directory');
  const unwritable = lgm('export', '--run', lgmRun, '--out', blocked);
  assert.equal(unwritable.code, 2);
  assert.match(
    unwritable.stderr,
    /^lgm export: cannot write .*a-file\/export: a part of the path is not a directory \(ENOTDIR\)/,
  );
});
