/**
 * Fault injection: files that lie. Symbolic links where run files belong, names that climb out of their
 * directory, manifests with bad shapes or offsets, gzip bombs and absurd sizes: each a clear error naming the
 * file, before anything is read through the link, allocated or turned into a tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { trainRun } from '../../src/train/trainer.js';
import { appendMetrics } from '../../src/run/metrics.js';
import { loadRun } from '../../src/train/run.js';
import { disposeModel } from '../../src/train/model.js';
import { readCheckpoint, writeCheckpoint } from '../../src/run/checkpoint.js';
import { fileSystem } from '../../src/io/file-system.js';
import { readAdversarialSet, writeAdversarialSet } from '../../src/run/adversarial.js';
import { detectCommand } from '../../src/cli/commands/detect.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { loadIdxDataset } from '../../src/data/idx-dataset.js';
import { blobData, mlpConfig, tempDir, useCpu } from '../train/fixtures.js';

async function finishedRun(): Promise<string> {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const r = await trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() });
  disposeModel(r.model);
  return runDir;
}

test('metrics.jsonl as a symbolic link: resume refuses it and the linked file is untouched', async () => {
  const runDir = await finishedRun();
  const victim = join(tempDir(), 'precious.txt');
  writeFileSync(victim, 'precious\n');
  unlinkSync(join(runDir, 'metrics.jsonl'));
  symlinkSync(victim, join(runDir, 'metrics.jsonl'));
  await assert.rejects(
    trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData(), resume: true }),
    /metrics\.jsonl must be a regular file \(lgm never writes through links\), got a symbolic link/,
  );
  await assert.rejects(
    appendMetrics(runDir, [{ type: 'step', step: 1, epoch: 1 }]),
    /cannot write .*metrics\.jsonl: is a symbolic link/,
  );
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});

test("model.json weights paths must stay in the model's directory; the manifest is checked first", async () => {
  await useCpu();
  const root = tempDir();
  const model = () =>
    tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, useBias: false })] });
  const [a, b] = [join(root, 'a'), join(root, 'other')];
  for (const dir of [a, b]) await model().save(fileSystem(dir));
  const jsonFile = join(a, 'model.json');
  const good = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const otherWeights = readdirSync(b).find((f) => f.endsWith('.bin'));
  const withManifest = (manifest: unknown) =>
    writeFileSync(jsonFile, JSON.stringify({ ...good, weightsManifest: manifest }));
  const cases: [unknown, RegExp][] = [
    [
      [{ ...good.weightsManifest[0], paths: [`../other/${otherWeights}`] }],
      /weightsManifest\[0\]\.paths\[0\] must be a file name inside .*a \(no '\.\.', not absolute\), got "\.\.\/other\//,
    ],
    [[{ ...good.weightsManifest[0], paths: ['../../../../etc/passwd'] }], /must be a file name inside/],
    [[{ ...good.weightsManifest[0], paths: ['/etc/passwd'] }], /must be a file name inside/],
    [undefined, /model\.json weightsManifest must be an array of \{paths, weights\}.*got nothing/],
    [
      [{ ...good.weightsManifest[0], weights: [{ name: 'k', shape: '3', dtype: 'float32' }] }],
      /weights\[0\]\.shape \(k\) must be an array of non-negative integers, got "3"/,
    ],
    [
      [{ ...good.weightsManifest[0], weights: [{ name: 'k', shape: [3, -2], dtype: 'float32' }] }],
      /must be an array of non-negative integers, got \[3,-2\]/,
    ],
    [
      [{ ...good.weightsManifest[0], weights: [{ name: 'k', shape: [3, 2], dtype: 'string' }] }],
      /dtype \(k\) must be one of float32, int32, bool, complex64, got "string"/,
    ],
  ];
  for (const [manifest, error] of cases) {
    withManifest(manifest);
    await assert.rejects(tfl.loadLayersModel(fileSystem(a)), error);
  }
});

test('checkpoint manifests: overlapping, negative or gapped offsets and non-integer shapes are errors', async () => {
  await useCpu();
  const runDir = tempDir();
  const [x, y] = [tf.ones([2, 3]), tf.zeros([4])];
  await writeCheckpoint(runDir, { x, y }, { epoch: 1 });
  tf.dispose([x, y]);
  const file = join(runDir, 'checkpoint', 'tensors.json');
  const entries = (second: object) => [
    { name: 'x', shape: [2, 3], offset: 0 },
    { name: 'y', ...second },
  ];
  // Each case comes with a tensors.bin of the size its offsets suggest, so only the manifest is wrong.
  const cases: [object, number, RegExp][] = [
    [
      { shape: [4], offset: 2 },
      6,
      /tensors\[1\] \(y\) offset must be 6 \(tensors stored one after another\), got 2/,
    ],
    [{ shape: [4], offset: -6 }, 6, /offset must be 6 .*got -6/],
    [{ shape: [4], offset: 7 }, 11, /offset must be 6 .*got 7/],
    [{ shape: ['4'], offset: 6 }, 10, /tensors\[1\] \(y\) shape must be non-negative integers, got \["4"\]/],
    [{ shape: [1e12], offset: 6 }, 10, /must describe at most \d+ values/],
  ];
  for (const [second, values, error] of cases) {
    writeFileSync(file, JSON.stringify({ format: 'lgm-checkpoint-1', tensors: entries(second) }));
    writeFileSync(join(runDir, 'checkpoint', 'tensors.bin'), new Uint8Array(4 * values));
    await assert.rejects(readCheckpoint(runDir), error);
  }
});

test('adversarial sets: "data" and set names must stay inside <run>/adversarial', async () => {
  await useCpu();
  const runDir = tempDir();
  const result = {
    adversarial: tf.zeros([1, 2]),
    success: [true],
    originalCorrect: [true],
    predictions: [0],
    l2: [0],
    linf: [0],
    successRate: 1,
  };
  await writeAdversarialSet(runDir, 'fgsm', result, {
    attack: 'fgsm',
    options: {},
    indices: [0],
    labels: [1],
  });
  result.adversarial.dispose();
  const jsonFile = join(runDir, 'adversarial', 'fgsm.json');
  const file = JSON.parse(readFileSync(jsonFile, 'utf8'));
  mkdirSync(join(runDir, 'elsewhere'));
  writeFileSync(join(runDir, 'elsewhere', 'bim.f32'), new Uint8Array(8));
  writeFileSync(jsonFile, JSON.stringify({ ...file, data: '../elsewhere/bim.f32' }));
  await assert.rejects(
    readAdversarialSet(runDir, 'fgsm'),
    /fgsm\.json "data" must be a file name inside .*adversarial \(no '\.\.', not absolute\), got "\.\.\/elsewhere\/bim\.f32"/,
  );
  await assert.rejects(readAdversarialSet(runDir, '../../etc/passwd'), /name must be a plain file name/);
  await assert.rejects(
    detectCommand.run(['--run', runDir, '--adversarial', '../../etc/passwd']),
    /detect: --adversarial entries must be a plain file name .*got "\.\.\/\.\.\/etc\/passwd"/,
  );
});

test('a gzip bomb named like an IDX file is rejected after its declared size, not gigabytes later', async () => {
  const dir = tempDir();
  // Header: 10 images of 28x28 (7840 bytes of data), then 64 MiB of zeros (a ~64 KiB gzip file).
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]);
  writeFileSync(
    join(dir, 't10k-images-idx3-ubyte.gz'),
    gzipSync(Buffer.concat([header, Buffer.alloc(64 << 20)])),
  );
  writeFileSync(
    join(dir, 't10k-labels-idx1-ubyte'),
    Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, ...Array(10).fill(1)]),
  );
  const before = process.memoryUsage().rss;
  await assert.rejects(
    loadIdxDataset({ dataDir: dir, split: 'test' }),
    /t10k-images-idx3-ubyte\.gz must decompress to the 7856 bytes its header declares, got more/,
  );
  assert.ok(process.memoryUsage().rss - before < 32 << 20, 'the bomb was not inflated');
});

test('absurd sizes are errors before allocation: numClasses in config.json, --feature-dim, --hidden', async () => {
  const runDir = await finishedRun();
  const file = join(runDir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...config, numClasses: 1e9 }));
  await assert.rejects(
    loadRun(runDir),
    /config\.json numClasses must be an integer in \[1, 100000\], got 1000000000/,
  );
  writeFileSync(file, JSON.stringify({ ...config, inputShape: [1e6, 1e6] }));
  await assert.rejects(
    loadRun(runDir),
    /config\.json inputShape must be 1 to 3 positive integers of product/,
  );
  const out = join(tempDir(), 'run');
  await assert.rejects(
    trainCommand.run(['--feature-dim', '100000000', '--out', out]),
    /net\.featureDim must be an integer in \[1, 65536\], got number 100000000/,
  );
  await assert.rejects(
    trainCommand.run(['--net', 'mlp', '--hidden', '64,10000000', '--out', out]),
    /net\.hidden must be a list of integers in \[1, 65536\]/,
  );
});
