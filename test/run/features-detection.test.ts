import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectionReport } from '../../src/detect/index.js';
import { readDetection, writeDetection } from '../../src/run/detection.js';
import {
  type RunFeatures,
  readFeaturesFile,
  readRunFeatures,
  writeRunFeatures,
} from '../../src/run/features.js';

const dir = mkdtempSync(join(tmpdir(), 'lgm-run-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('features.json round trip (readRunFeatures and readFeaturesFile read what writeRunFeatures wrote)', async () => {
  const features: RunFeatures = {
    dim: 2,
    numClasses: 3,
    labels: [0, 1, 2],
    predictions: [0, 2, 2],
    features: [
      [0, 1],
      [1, 0],
      [0.5, -0.5],
    ],
  };
  await writeRunFeatures(dir, features);
  assert.deepEqual(await readRunFeatures(dir), features);
  assert.deepEqual(await readFeaturesFile(join(dir, 'features.json')), features);
  writeFileSync(join(dir, 'features.json'), JSON.stringify({ ...features, features: [] }));
  await assert.rejects(
    readRunFeatures(dir),
    /readRunFeatures: .*features.json features must have at least one row/,
  );
  writeFileSync(join(dir, 'features.json'), JSON.stringify({ ...features, numClasses: 0 }));
  await assert.rejects(readRunFeatures(dir), /numClasses must be an integer >= 1, got number 0/);
});

test('detection.json round trip, and every malformed case named', async () => {
  const report: DetectionReport = {
    rows: [
      {
        detector: 'msp',
        inputSet: 'fgsm-all',
        auroc: 0.9,
        auprIn: 0.8,
        auprOut: 0.7,
        fpr95: 0.3,
        detectionAccuracy: 0.85,
        attackSuccessRate: 0.5,
        numClean: 10,
        numAnomalous: 10,
      },
    ],
    curves: [{ detector: 'msp', inputSet: 'fgsm-all', fpr: [0, 0.5, 1], tpr: [0, 0.9, 1] }],
  };
  const file = await writeDetection(dir, report);
  assert.equal(file, join(dir, 'detection.json'));
  assert.deepEqual(await readDetection(dir), report);
  const cases: [unknown, RegExp][] = [
    [{ rows: {}, curves: [] }, /rows must be an array, got \{\}/],
    [{ rows: [], curves: null }, /curves must be an array, got null/],
    [{ rows: [3], curves: [] }, /rows\[0\] must be a JSON object, got number 3/],
    [{ rows: [{ detector: 'd' }], curves: [] }, /rows\[0\] must have string detector and inputSet/],
    [
      { rows: [{ ...report.rows[0], fpr95: 'x' }], curves: [] },
      /rows\[0\].fpr95 must be a number or null, got 'x'/,
    ],
    [
      { rows: [], curves: [{ fpr: [0, 1], tpr: [0] }] },
      /curves\[0\] must have fpr and tpr of equal length >= 2/,
    ],
  ];
  for (const [content, message] of cases) {
    writeFileSync(file, JSON.stringify(content));
    await assert.rejects(
      readDetection(dir),
      (e: Error) => e.message.startsWith(`readDetection: ${file} `) && message.test(e.message),
      `${message}`,
    );
  }
  writeFileSync(file, JSON.stringify({ rows: [{ ...report.rows[0], auroc: null }], curves: [] }));
  assert.equal((await readDetection(dir)).rows[0].auroc, null, 'null stands for an undefined metric');
});
