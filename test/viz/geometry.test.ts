import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipseOf, featurePlane } from '../../src/viz/plane.js';
import { pca2, project, symmetricEigen, unproject } from '../../src/viz/pca.js';
import { niceDomain, ticks, tickLabel } from '../../src/viz/scale.js';
import { escapeXml, num } from '../../src/viz/svg.js';
import { mulberry32, seededNormal } from '../../src/util/random.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('num formats fixed precision without exponent or -0; escapeXml escapes markup', () => {
  assert.equal(num(1.005, 2), '1');
  assert.equal(num(12.5), '12.5');
  assert.equal(num(-0.001), '0');
  assert.equal(num(1e-7), '0');
  assert.equal(num(3), '3');
  assert.throws(() => num(NaN), /svg: coordinate must be a finite number, got NaN/);
  assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
});

test('ticks land on 1-2-5 steps and nice domains include the data', () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(-15, 10, 5), [-15, -10, -5, 0, 5, 10]);
  assert.deepEqual(niceDomain(-7.3, 7.9), [-8, 8]);
  assert.deepEqual(niceDomain(0.0012, 0.0098), [0, 0.01]);
  const [lo, hi] = niceDomain(4, 4);
  assert.ok(lo < 4 && hi > 4, 'a single value is widened');
  assert.equal(tickLabel(-5), '\u22125');
  assert.equal(tickLabel(0.30000000000000004), '0.3');
});

test('symmetricEigen recovers a known decomposition', () => {
  // [[2,1],[1,2]] has eigenvalues 3 and 1 with eigenvectors (1,1)/sqrt2 and (1,-1)/sqrt2.
  const { values, vectors } = symmetricEigen([
    [2, 1],
    [1, 2],
  ]);
  const order = values[0] > values[1] ? [0, 1] : [1, 0];
  close(values[order[0]], 3);
  close(values[order[1]], 1);
  close(Math.abs(vectors[0][order[0]]), Math.SQRT1_2);
  close(vectors[0][order[0]] * vectors[1][order[0]], 0.5);
});

test('pca2 finds the dominant directions of 5-D data and round-trips points in its plane', () => {
  const normal = seededNormal(mulberry32(7));
  // Variance 25 along dimension 3, 4 along dimension 0, 0.01 elsewhere.
  const rows = Array.from({ length: 400 }, () => [
    2 * normal(),
    0.1 * normal(),
    0.1 * normal(),
    5 * normal(),
    0.1 * normal(),
  ]);
  const p = pca2(rows);
  close(Math.abs(p.axes[0][3]), 1, 0.01);
  close(Math.abs(p.axes[1][0]), 1, 0.01);
  assert.ok(p.explained[0] > 0.8 && p.explained[1] > 0.1, `explained ${p.explained.join(', ')}`);
  const point = unproject(p, 1.5, -2);
  const [u, v] = project(p, point);
  close(u, 1.5, 1e-9);
  close(v, -2, 1e-9);
  assert.equal(featurePlane(rows).note, 'PCA projection of 5-D features');
  assert.equal(featurePlane(rows.map((r) => r.slice(0, 2))).note, null);
});

test('ellipseOf gives k-sigma semi-axes along the covariance eigenvectors', () => {
  const axisAligned = ellipseOf([4, 0, 1], 2);
  close(axisAligned.rx, 4);
  close(axisAligned.ry, 2);
  close(axisAligned.angle, 0);
  const tall = ellipseOf([1, 0, 9], 1);
  close(tall.rx, 3);
  close(tall.angle, 90);
  // [[2,1],[1,2]]: major axis sqrt(3) at 45 degrees, minor 1.
  const tilted = ellipseOf([2, 1, 2], 1);
  close(tilted.rx, Math.sqrt(3));
  close(tilted.ry, 1);
  close(tilted.angle, 45);
});
