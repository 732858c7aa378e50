import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { choleskyLower, invertLower } from '../../src/detect/cholesky.js';
import {
  MahalanobisDetector,
  evaluateDetectors,
  formatDetectionTable,
  noiseInputs,
} from '../../src/detect/index.js';
import { blobs } from './features.js';
import { readMixtureFile } from '../../src/run/mixture.js';

before(async () => {
  await initBackend('cpu');
});

test('readMixtureFile reads mixture.json and rejects malformed ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgm-mix-'));
  assert.equal(await readMixtureFile(dir), null);
  const file = join(dir, 'mixture.json');
  writeFileSync(
    file,
    JSON.stringify({
      covariance: 'diagonal',
      means: [
        [0, 1],
        [2, 3],
      ],
      logVariances: [
        [0, 0],
        [1, 1],
      ],
      logPriors: null,
    }),
  );
  const m = await readMixtureFile(dir);
  assert.ok(m !== null);
  assert.equal(m.covariance, 'diagonal');
  assert.deepEqual(m.params.logVariances?.shape, [2, 2]);
  assert.equal(m.params.logPriors, undefined);
  m.dispose();
  writeFileSync(file, '{"covariance": "identity", "means": [[0');
  await assert.rejects(
    readMixtureFile(dir),
    new RegExp(`readMixtureFile: ${file} must be valid JSON \\(truncated or corrupt\\), got`),
  );
  writeFileSync(file, JSON.stringify({ covariance: 'full', means: [[0]] }));
  await assert.rejects(
    readMixtureFile(dir),
    /readMixtureFile: .*mixture.json covariance must be one of identity, isotropic, diagonal, got 'full'/,
  );
  writeFileSync(file, JSON.stringify({ covariance: 'isotropic', means: [[0, 1]], logVariances: [0, 1] }));
  await assert.rejects(
    readMixtureFile(dir),
    /logVariances must be 1 finite numbers for covariance 'isotropic', got array of length 2/,
  );
  writeFileSync(file, JSON.stringify({ covariance: 'identity', means: [[0, null]] }));
  await assert.rejects(
    readMixtureFile(dir),
    /mixture.json means\[0\] must be 2 finite numbers, got array of length 2/,
  );
  rmSync(dir, { recursive: true });
});

test('cholesky factor and triangular inverse reproduce a known matrix', () => {
  // A = [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]].
  const l = choleskyLower('test', Float64Array.from([4, 2, 2, 3]), 2);
  assert.deepEqual(Array.from(l), [2, 0, 1, Math.SQRT2]);
  const inv = invertLower(l, 2);
  // L^-1 = [[1/2, 0], [-1/(2 sqrt 2), 1/sqrt 2]].
  [0.5, 0, -1 / (2 * Math.SQRT2), 1 / Math.SQRT2].forEach((v, i) => assert.ok(Math.abs(inv[i] - v) < 1e-15));
  assert.throws(
    () => choleskyLower('test', Float64Array.from([1, 2, 2, 1]), 2),
    /test: covariance must be positive definite, got pivot -3 at row 1/,
  );
  assert.throws(
    () => choleskyLower('test', Float64Array.from([1]), 2),
    /test: matrix must have 4 entries \(2 x 2\), got 1/,
  );
});

test('evaluateDetectors builds one row and curve per detector and set; the table prints percentages', () => {
  const train = blobs(90, 1);
  const clean = blobs(30, 2);
  const far = blobs(30, 3, 10);
  const d = new MahalanobisDetector();
  d.fitFeatures(train.z, train.y);
  const report = evaluateDetectors([d], clean.z, [
    { name: 'far', features: far.z, attackSuccessRate: 0.75 },
    { name: 'same', features: clean.z },
  ]);
  assert.equal(report.rows.length, 2);
  assert.equal(report.rows[0].auroc, 1);
  assert.equal(report.rows[1].auroc, 0.5); // identical scores: every pair ties
  assert.equal(report.rows[0].attackSuccessRate, 0.75);
  assert.equal('attackSuccessRate' in report.rows[1], false);
  const table = formatDetectionTable(report.rows).split('\n');
  assert.match(table[0], /^detector\s+input set\s+AUROC AUPRin AUPRout\s+FPR95 DetAcc\s+attack$/);
  assert.match(table[1], /^mahalanobis\s+far\s+100\.0\s+100\.0\s+100\.0\s+0\.0\s+100\.0\s+75\.0$/);
  assert.match(table[2], /^mahalanobis\s+same\s+50\.0 .* -$/);
  assert.throws(
    () => evaluateDetectors([], clean.z, []),
    /evaluateDetectors: needs at least one detector and one input set, got 0 and 0/,
  );
  d.dispose();
  tf.dispose([train.z, train.y, clean.z, clean.y, far.z, far.y]);
});

test('noise sets are seeded, in [0, 1] and of the requested shape', () => {
  const a = noiseInputs('gaussian', 3, [4, 4, 1], 7);
  const b = noiseInputs('gaussian', 3, [4, 4, 1], 7);
  const u = noiseInputs('uniform', 3, [4, 4, 1], 7);
  assert.deepEqual(a.shape, [3, 4, 4, 1]);
  assert.deepEqual(a.dataSync(), b.dataSync());
  for (const t of [a, u]) for (const v of t.dataSync()) assert.ok(v >= 0 && v <= 1);
  // N(0.5, 1) clipped puts about 31% of the pixels on each bound; uniform puts none there.
  assert.ok(Array.from(a.dataSync()).filter((v) => v === 0 || v === 1).length > 5);
  assert.equal(Array.from(u.dataSync()).filter((v) => v === 0 || v === 1).length, 0);
  tf.dispose([a, b, u]);
});
