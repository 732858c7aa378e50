import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { writeReport } from '../../src/viz/report.js';
import {
  syntheticDetection,
  syntheticMetrics,
  syntheticRun,
  writeRunDir,
  removeRunDirs,
} from './fixtures.js';

after(removeRunDirs);

before(async () => {
  await tf.setBackend('cpu');
});

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

async function fullRun(): Promise<string> {
  const { run, mixture } = syntheticRun(21, { n: 150, k: 5 });
  return writeRunDir({
    config: { seed: 1, epochs: 2, loss: { name: 'lgm', alpha: 0.1 }, optimizer: { name: 'sgd' } },
    features: run,
    mixture,
    detection: syntheticDetection(),
    metrics: syntheticMetrics(2, 3),
    adversarial: [
      [0, 0],
      [1, -1],
    ],
  });
}

test('writeReport on a full L-GM run embeds every PNG, the accuracy and the detection table', async () => {
  const dir = await fullRun();
  const before = tf.memory().numTensors;
  const result = await writeReport(dir);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    result.parts.map((p) => `${p.part}:${p.status}`),
    [
      'accuracy:written',
      'detection table:written',
      'ROC curves:written',
      'feature space:written',
      'likelihood map:written',
      'training curves:written',
    ],
  );
  const md = await readFile(result.report, 'utf8');
  for (const png of ['roc.png', 'feature-space.png', 'likelihood-map.png', 'training-curves.png']) {
    assert.ok(md.includes(`](${png})`), png);
    assert.ok((await readFile(join(dir, png))).subarray(0, 4).equals(PNG), `${png} is a PNG`);
  }
  // 150 samples, every 17th mispredicted (i = 0, 17, ..., 136): 9 wrong.
  assert.ok(md.includes('Test accuracy (features.json): **94.00%** (141 of 150; 5 classes, 2-D features)'));
  assert.ok(md.includes('| likelihood | fgsm | 0.9500 | 0.9000 | 0.8500 | 0.2000 | 0.8800 |'));
  assert.ok(!md.includes('## Skipped'));
  assert.ok(md.includes('## Configuration\n\n- seed: 1\n- epochs: 2\n- loss: {"name":"lgm","alpha":0.1}\n'));
});

test('writeReport is deterministic: a second run writes the same bytes', async () => {
  const dir = await fullRun();
  await writeReport(dir);
  const names = (await readdir(dir)).filter((n) => /\.(png|svg|md)$/.test(n)).sort();
  const first = await Promise.all(names.map((n) => readFile(join(dir, n))));
  await writeReport(dir);
  const second = await Promise.all(names.map((n) => readFile(join(dir, n))));
  names.forEach((n, i) => assert.ok(first[i].equals(second[i]), n));
});

test('writeReport on a softmax run without detection or metrics skips those parts and says so', async () => {
  const { run } = syntheticRun(22, { n: 60, k: 3, dim: 5 });
  const dir = await writeRunDir({ features: run });
  const result = await writeReport(dir, { format: 'png' });
  const skipped = result.parts.filter((p) => p.status === 'skipped').map((p) => `${p.part}: ${p.reason}`);
  assert.deepEqual(skipped, [
    'detection table: no detection.json',
    'ROC curves: no detection.json',
    'likelihood map: no mixture.json (not an L-GM run)',
    'training curves: no metrics.jsonl',
  ]);
  const md = await readFile(result.report, 'utf8');
  assert.ok(md.includes('## Skipped\n\n- detection table: no detection.json\n'));
  assert.ok(md.includes('![Feature space](feature-space.png)'));
  assert.deepEqual((await readdir(dir)).sort(), ['feature-space.png', 'features.json', 'report.md']);
});

test('writeReport names a malformed config.json', async () => {
  const { run } = syntheticRun(23, { n: 30, k: 3 });
  const dir = await writeRunDir({ features: run });
  await writeFile(join(dir, 'config.json'), '{"seed": ');
  await assert.rejects(
    writeReport(dir),
    new RegExp(`writeReport: ${join(dir, 'config.json')} must be valid JSON \\(truncated or corrupt\\), got`),
  );
});

test('writeReport needs features and rejects unknown options', async () => {
  const dir = await writeRunDir({ metrics: syntheticMetrics() });
  await assert.rejects(writeReport(dir), /readRunFeatures: .*features.json must exist/);
  await assert.rejects(
    writeReport(dir, { pdf: true } as never),
    /writeReport: unknown option 'pdf', expected one of format/,
  );
});

test('writeReport puts notes (the shorter demo budget) at the top', async () => {
  const { run } = syntheticRun(23, { n: 40, k: 3, dim: 2 });
  const dir = await writeRunDir({ features: run });
  const result = await writeReport(dir, {
    format: 'png',
    notes: ['Shorter budget: 12000 images.', 'The full demo: x'],
  });
  const md = await readFile(result.report, 'utf8');
  assert.ok(
    md.includes('\n## Notes\n\n- Shorter budget: 12000 images.\n- The full demo: x\n'),
    md.slice(0, 300),
  );
  assert.ok(md.indexOf('## Notes') < md.indexOf('## Accuracy'));
  const plain = await readFile((await writeReport(dir, { format: 'png' })).report, 'utf8');
  assert.ok(!plain.includes('## Notes'));
});
