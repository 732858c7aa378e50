import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { createPipeline, syntheticImages, type ImageDataset, type Pipeline } from '../../src/data/index.js';

before(async () => {
  await initBackend();
});

/** Images whose every pixel equals the image index, so a batch shows which images it holds. */
function indexed(count: number, height = 2, width = 3, channels = 1): ImageDataset {
  const size = height * width * channels;
  return {
    name: 'indexed',
    split: 'train',
    images: Uint8Array.from({ length: count * size }, (_, k) => Math.floor(k / size)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 4),
    count,
    height,
    width,
    channels,
    numClasses: 4,
    classNames: ['a', 'b', 'c', 'd'],
    source: 'test',
  };
}

/** Runs an epoch and returns, per batch, the image index of each element (from pixel 0) and the labels. */
function collect(pipeline: Pipeline, epoch: number, fromBatch?: number) {
  const ids: number[][] = [];
  const labels: number[][] = [];
  for (const { x, y } of pipeline.epoch(epoch, fromBatch)) {
    const v = x.dataSync();
    const size = x.shape[1] * x.shape[2] * x.shape[3];
    ids.push(Array.from({ length: x.shape[0] }, (_, i) => Math.round(v[i * size] * 255)));
    labels.push(Array.from(y.dataSync()));
    assert.equal(x.dtype, 'float32');
    assert.equal(y.dtype, 'int32');
    tf.dispose([x, y]);
  }
  return { ids, labels };
}

test('each epoch is a seeded permutation; epochs differ; labels follow their images', () => {
  const ds = indexed(10);
  const before = tf.memory().numTensors;
  const p = createPipeline(ds, { batchSize: 4, seed: 3 });
  assert.equal(p.batchesPerEpoch, 3);
  const e0 = collect(p, 0);
  assert.deepEqual(
    e0.ids.map((b) => b.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    e0.ids.flat().sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    e0.labels.flat(),
    e0.ids.flat().map((i) => i % 4),
  );
  assert.deepEqual(collect(createPipeline(ds, { batchSize: 4, seed: 3 }), 0), e0);
  assert.notDeepEqual(collect(p, 1).ids, e0.ids);
  assert.notDeepEqual(collect(createPipeline(ds, { batchSize: 4, seed: 4 }), 0).ids, e0.ids);
  assert.deepEqual(Array.from(p.order(0)), e0.ids.flat());
  assert.equal(tf.memory().numTensors, before);
});

test('shuffle false keeps dataset order; indices restrict; dropRemainder drops the short batch', () => {
  const ds = indexed(10);
  assert.deepEqual(collect(createPipeline(ds, { batchSize: 4, shuffle: false }), 5).ids, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  const sub = createPipeline(ds, { batchSize: 2, indices: [9, 3, 5], shuffle: false, dropRemainder: true });
  assert.equal(sub.batchesPerEpoch, 1);
  assert.deepEqual(collect(sub, 0).ids, [[9, 3]]);
});

test('resuming at a batch gives the same batches as an uninterrupted epoch, augmentation included', () => {
  const ds = syntheticImages({ count: 20, height: 6, width: 6, channels: 3, seed: 2 });
  const p = createPipeline(ds, { batchSize: 6, seed: 9, augment: { pad: 2 } });
  const full: number[][] = [];
  for (const { x, y } of p.epoch(2)) {
    full.push(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  }
  const resumed: number[][] = [];
  for (const { x, y, index } of p.epoch(2, 2)) {
    assert.ok(index >= 2);
    resumed.push(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  }
  assert.deepEqual(resumed, full.slice(2));
});

test('per-channel normalisation maps pixel v of channel c to (v/255 - mean[c]) / std[c]', () => {
  const ds = indexed(3, 1, 1, 2);
  const p = createPipeline(ds, { shuffle: false, normalization: { mean: [0, 0.5], std: [1, 0.25] } });
  const [{ x, y }] = [...p.epoch(0)];
  const expected = [0, 1, 2].flatMap((i) => [i / 255, (i / 255 - 0.5) / 0.25]);
  Array.from(x.dataSync()).forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-6));
  tf.dispose([x, y]);
});

test('augmentation shifts by at most pad with black borders and flips: pixels stay a shifted copy', () => {
  // One 4x4 image with distinct pixels 1..16, seen many times under pad 1 + flip.
  const images = Uint8Array.from({ length: 16 }, (_, k) => k + 1);
  const one: ImageDataset = { ...indexed(1, 4, 4), images, labels: Uint8Array.from([0]) };
  const p = createPipeline(one, { augment: { pad: 1, flip: true } });
  const seen = new Set<string>();
  for (let e = 0; e < 60; e++) {
    const [{ x, y }] = [...p.epoch(e)];
    const v = Array.from(x.dataSync(), (f) => Math.round(f * 255));
    tf.dispose([x, y]);
    seen.add(v.join(','));
    // Find the shift (dy, dx) and flip that explain every pixel: out(r, c) = in(r + dy, c' + dx), 0 outside.
    const explained = [false, true].some((mirror) =>
      [-1, 0, 1].some((dy) =>
        [-1, 0, 1].some((dx) =>
          v.every((value, k) => {
            const [r, c] = [Math.floor(k / 4) + dy, (mirror ? 3 - (k % 4) : k % 4) + dx];
            return value === (r >= 0 && r < 4 && c >= 0 && c < 4 ? r * 4 + c + 1 : 0);
          }),
        ),
      ),
    );
    assert.ok(explained, `epoch ${e}: ${v.join(',')}`);
  }
  // 9 shifts x 2 flips = 18 variants; 60 draws should show most of them.
  assert.ok(seen.size >= 12, `only ${seen.size} distinct augmentations`);
});

test('createPipeline validates its dataset and options', () => {
  const ds = indexed(4);
  assert.throws(
    () => createPipeline(ds, { batchSize: 0 }),
    /createPipeline: batchSize must be an integer in \[1, 65536\]/,
  );
  assert.throws(() => createPipeline(ds, { seed: -1 }), /createPipeline: seed must be an integer/);
  assert.throws(() => createPipeline(ds, { batch: 2 } as object), /createPipeline: unknown option 'batch'/);
  assert.throws(
    () => createPipeline(ds, { augment: { crop: 2 } as object }),
    /unknown option 'crop', expected one of pad, flip/,
  );
  assert.throws(
    () => createPipeline(ds, { normalization: { mean: [0, 0], std: [1, 1] } }),
    /createPipeline: normalization must be \{mean, std\} with 1 finite number\(s\) each/,
  );
  assert.throws(() => createPipeline(ds, { normalization: { mean: [0], std: [0] } }), /std must be positive/);
  assert.throws(
    () => createPipeline(ds, { indices: [0, 4] }),
    /indices must be integers in \[0, 4\), got 4 at position 1/,
  );
  assert.throws(
    () => createPipeline({ ...ds, labels: Uint8Array.from([0, 1, 2, 7]) }),
    /createPipeline: dataset labels must be in \[0, 4\), got 7 at index 3/,
  );
  assert.throws(
    () => createPipeline({ ...ds, images: new Uint8Array(5) }),
    /createPipeline: dataset.images must hold count\*height\*width\*channels = 24 bytes, got 5/,
  );
  assert.throws(
    () => createPipeline(ds, { batchSize: 5, dropRemainder: true }),
    /batchSize must be at most the 4 images/,
  );
  const p = createPipeline(ds);
  assert.throws(() => p.epoch(-1), /createPipeline: epoch must be an integer/);
  assert.throws(() => p.epoch(0, 2), /createPipeline: fromBatch must be an integer in \[0, 1\]/);
});
