import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkMixture,
  readDetection,
  readMetrics,
  readRunFeatures,
  readRunMixture,
} from '../../src/viz/index.js';
import { readAdversarialFeatures } from '../../src/viz/index.js';
import { syntheticMetrics, syntheticRun, writeRunDir, removeRunDirs } from './fixtures.js';

after(removeRunDirs);

test('a run directory without features.json is a clear error', async () => {
  const dir = await writeRunDir({});
  await assert.rejects(
    readRunFeatures(dir),
    new RegExp(
      `readRunFeatures: ${dir}/features.json must exist \\(written by lgm train and lgm eval\\), got no such file`,
    ),
  );
});

test('features.json problems name the file and the field', async () => {
  const { run } = syntheticRun(1, { n: 20, k: 3 });
  const dir = await writeRunDir({ features: run });
  const file = join(dir, 'features.json');
  const cases: [unknown, RegExp][] = [
    [
      { ...run, labels: run.labels.map((l, i) => (i === 4 ? 3 : l)) },
      /labels\[4\] must be an integer in \[0, 3\), got number 3/,
    ],
    [
      { ...run, features: run.features.map((f, i) => (i === 2 ? [f[0]] : f)) },
      /features\[2\] must be 2 finite numbers, got array of length 1/,
    ],
    [{ ...run, dim: 0 }, /dim must be an integer >= 1, got number 0/],
    [
      { ...run, predictions: run.predictions.slice(1) },
      /predictions must be an array of 20, got array of length 19/,
    ],
    [[1, 2], /must hold a JSON object, got array of length 2/],
  ];
  for (const [content, message] of cases) {
    await writeFile(file, JSON.stringify(content));
    await assert.rejects(
      readRunFeatures(dir),
      (err: Error) => err.message.startsWith(`readRunFeatures: ${file} `) && message.test(err.message),
    );
  }
  await writeFile(file, '{"dim": 2, "numCla');
  await assert.rejects(
    readRunFeatures(dir),
    new RegExp(`readRunFeatures: ${file} must be valid JSON \\(truncated or corrupt\\), got`),
  );
});

test('mixture.json is optional and validated against the covariance kind', async () => {
  const { run, mixture } = syntheticRun(2, { n: 20, k: 3, covariance: 'isotropic' });
  assert.equal(await readRunMixture(await writeRunDir({ features: run }), 2), null);
  const read = await readRunMixture(await writeRunDir({ features: run, mixture }), 2);
  assert.deepEqual(read, mixture);
  assert.throws(
    () => checkMixture('m.json', { ...mixture, covariance: 'full' }, 2),
    /checkMixture: m.json covariance must be one of identity, isotropic, diagonal, got 'full'/,
  );
  assert.throws(
    () => checkMixture('m.json', { ...mixture, logVariances: [[0, 0]] }, 2),
    /checkMixture: m.json logVariances must be 3 finite numbers for covariance 'isotropic', got array of length 1/,
  );
  assert.throws(
    () => checkMixture('m.json', { ...mixture, covariance: 'identity' }, 2),
    /logVariances must be null for covariance 'identity'/,
  );
  assert.throws(
    () => checkMixture('m.json', mixture, 5),
    /checkMixture: m.json means\[0\] must be 5 finite numbers, got array of length 2/,
  );
});

test('metrics.jsonl: a truncated last line is skipped, a bad line before it is named; detection.json curves are checked', async () => {
  const dir = await writeRunDir({ metrics: syntheticMetrics(1, 2) });
  assert.equal((await readMetrics(dir)).length, 3);
  // A run killed mid-append: the trainer itself skips such a line on resume.
  await writeFile(join(dir, 'metrics.jsonl'), '{"type":"step","step":0}\n{"type":"st');
  assert.deepEqual(await readMetrics(dir), [{ type: 'step', step: 0 }]);
  await writeFile(join(dir, 'metrics.jsonl'), '{"type":"step","step":0}\n{"type":"st\n{"type":"step"}\n');
  await assert.rejects(
    readMetrics(dir),
    new RegExp(`readMetrics: .*metrics.jsonl line 2 must be a JSON object, got '\\{"type":"st'`),
  );
  await writeFile(
    join(dir, 'detection.json'),
    JSON.stringify({ rows: [], curves: [{ detector: 'd', inputSet: 's', fpr: [0, 2], tpr: [0, 1] }] }),
  );
  await assert.rejects(
    readDetection(dir),
    /readDetection: .*detection.json curves\[0\] must have fpr and tpr of equal length >= 2 with values in \[0, 1\]/,
  );
  const row = { detector: 'd', inputSet: 's', auroc: 'high' };
  await writeFile(join(dir, 'detection.json'), JSON.stringify({ rows: [row], curves: [] }));
  await assert.rejects(
    readDetection(dir),
    /readDetection: .*detection.json rows\[0\].auroc must be a number or null, got 'high'/,
  );
});

test('adversarial features are gathered from adversarial/*.json files that have them', async () => {
  const { run } = syntheticRun(3, { n: 20, k: 3 });
  assert.equal(await readAdversarialFeatures(await writeRunDir({ features: run }), 2), null);
  const dir = await writeRunDir({
    features: run,
    adversarial: [
      [0, 1],
      [2, 3],
    ],
  });
  await writeFile(join(dir, 'adversarial', 'other.json'), JSON.stringify({ attack: 'other', images: 'bin' }));
  assert.deepEqual(await readAdversarialFeatures(dir, 2), {
    features: [
      [0, 1],
      [2, 3],
    ],
    files: ['fgsm.json'],
  });
  await assert.rejects(
    readAdversarialFeatures(dir, 3),
    /readAdversarialFeatures: .*fgsm.json features\[0\] must be 3 finite numbers, got array of length 2/,
  );
});
