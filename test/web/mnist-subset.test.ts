import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mnistDataDir } from '../../src/data/mnist.js';
import { writeMnistSubset } from '../../web/build/mnist-subset.js';

test('writeMnistSubset writes gzipped uint8 splits and a manifest, and skips an unchanged subset', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lgm-subset-'));
  try {
    const options = { mnistDir: mnistDataDir(), outDir, train: 50, validation: 20, test: 10, seed: 7 };
    const manifest = writeMnistSubset(options);
    assert.deepEqual(Object.fromEntries(Object.entries(manifest.splits).map(([k, v]) => [k, v.count])), {
      train: 50,
      validation: 20,
      test: 10,
    });
    const read = (file: string) => gunzipSync(readFileSync(join(outDir, file)));
    const images: Record<string, Buffer[]> = {};
    for (const [name, split] of Object.entries(manifest.splits)) {
      const pixels = read(split.images);
      const labels = read(split.labels);
      assert.equal(pixels.length, split.count * 784);
      assert.equal(labels.length, split.count);
      assert.ok(labels.every((l) => l < 10));
      assert.ok(new Set(labels).size >= 5, `${name}: a seeded sample covers several classes`);
      images[name] = Array.from({ length: split.count }, (_, i) => pixels.subarray(i * 784, (i + 1) * 784));
    }
    // Train and validation come from one permutation of MNIST's training split: no image in both.
    const trainKeys = new Set(images.train.map((b) => b.toString('base64')));
    assert.ok(images.validation.every((b) => !trainKeys.has(b.toString('base64'))));
    const manifestFile = join(outDir, 'mnist-subset.json');
    const written = statSync(manifestFile).mtimeMs;
    assert.deepEqual(writeMnistSubset(options), manifest);
    assert.equal(statSync(manifestFile).mtimeMs, written, 'unchanged subset not rewritten');
    assert.notEqual(writeMnistSubset({ ...options, seed: 8 }).sourceKey, manifest.sourceKey);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('writeMnistSubset rejects sizes larger than MNIST', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lgm-subset-'));
  try {
    assert.throws(
      () => writeMnistSubset({ mnistDir: mnistDataDir(), outDir, train: 60000, validation: 1 }),
      /mnistSubset: subset sizes must add up to at most 60000, got 60001/,
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
