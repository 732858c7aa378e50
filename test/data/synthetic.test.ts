import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianBlobs, syntheticImages } from '../../src/data/index.js';

test('gaussianBlobs is seeded, balanced, and scattered around its class means by `spread`', () => {
  const a = gaussianBlobs({ count: 3000, dim: 3, numClasses: 3, seed: 5, spread: 0.5 });
  assert.deepEqual(a, gaussianBlobs({ count: 3000, dim: 3, numClasses: 3, seed: 5, spread: 0.5 }));
  assert.notDeepEqual(a.features, gaussianBlobs({ count: 3000, dim: 3, numClasses: 3, seed: 6 }).features);
  assert.equal(a.features.length, 9000);
  assert.deepEqual(Array.from(a.labels.subarray(0, 4)), [0, 1, 2, 0]);
  // Per class and dimension: sample mean near the class mean, sample variance near spread^2 = 0.25.
  for (let k = 0; k < 3; k++) {
    for (let d = 0; d < 3; d++) {
      const xs = Array.from({ length: 1000 }, (_, j) => a.features[(3 * j + k) * 3 + d]);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
      assert.ok(Math.abs(mean - a.means[k * 3 + d]) < 0.06, `mean ${mean} vs ${a.means[k * 3 + d]}`);
      assert.ok(Math.abs(variance - 0.25) < 0.04, `variance ${variance}`);
    }
  }
  assert.throws(
    () => gaussianBlobs({ count: 0 }),
    /gaussianBlobs: count must be an integer in \[1, 10000000\]/,
  );
  assert.throws(
    () => gaussianBlobs({ count: 5, spread: 0 }),
    /gaussianBlobs: spread must be a finite number in \(0/,
  );
});

test('syntheticImages makes a seeded uint8 dataset whose images stay near their class template', () => {
  const ds = syntheticImages({
    count: 6,
    height: 4,
    width: 5,
    channels: 3,
    numClasses: 3,
    noise: 10,
    seed: 1,
  });
  assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [6, 4, 5, 3, 3]);
  assert.equal(ds.images.length, 6 * 60);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(
    ds,
    syntheticImages({ count: 6, height: 4, width: 5, channels: 3, numClasses: 3, noise: 10, seed: 1 }),
  );
  // Images 0 and 3 share class 0: each pixel differs by at most 2 * noise.
  for (let p = 0; p < 60; p++) assert.ok(Math.abs(ds.images[p] - ds.images[180 + p]) <= 20);
  assert.throws(
    () => syntheticImages({ count: 2, channels: 5 }),
    /syntheticImages: channels must be an integer in \[1, 4\]/,
  );
});
