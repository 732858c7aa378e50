import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitClassGaussians } from '../../src/detect/class-gaussians.js';

test('fitClassGaussians: per-class means and variances, a variance floor, smoothed priors for absent classes', () => {
  // Class 0 at (1, 2) +- (1, 0.5); class 3 at (-4, 0) +- (0, 2); no other of the 10 classes.
  const features = Float32Array.from([0, 1.5, 2, 2.5, -4, -2, -4, 2]);
  const fit = fitClassGaussians(features, [0, 0, 3, 3], 10);
  assert.deepEqual(fit.means[0], [1, 2]);
  assert.deepEqual(fit.means[3], [-4, 0]);
  assert.deepEqual(fit.means[5], [0, 0]);
  assert.deepEqual(fit.variances[0], [1, 0.25]);
  assert.equal(fit.variances[3][1], 4);
  assert.ok(Math.abs(fit.variances[3][0] - 1e-4) < 1e-9, 'zero variance floored at 1e-4');
  assert.ok(Math.abs(fit.logPriors[0] - Math.log(3 / 14)) < 1e-12);
  assert.ok(Math.abs(fit.logPriors[5] - Math.log(1 / 14)) < 1e-12);
  // Three-dimensional features, two classes.
  const three = fitClassGaussians([1, 2, 3, 3, 2, 1, 0, 0, 0], [1, 1, 0], 2);
  assert.deepEqual(three.means, [
    [0, 0, 0],
    [2, 2, 2],
  ]);
  [1, 1e-4, 1].forEach((v, d) => assert.ok(Math.abs(three.variances[1][d] - v) < 1e-9, `variance ${d}`));
});

test('fitClassGaussians refuses labels out of range and features that do not fit the labels', () => {
  assert.throws(
    () => fitClassGaussians([0, 0], [0, 2], 2),
    /fitClassGaussians: labels must be integers in \[0, 2\), got 2 at 1/,
  );
  assert.throws(
    () => fitClassGaussians([0, 0, 0], [0, 1], 2),
    /fitClassGaussians: features must hold D numbers for each of the 2 labels \(N >= 1\), got 3/,
  );
  assert.throws(() => fitClassGaussians([0], [0], 0), /numClasses must be an integer >= 1, got 0/);
});
