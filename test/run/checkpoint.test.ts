import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, truncateSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint, writeCheckpoint } from '../../src/run/checkpoint.js';
import { tempDir, useCpu } from '../train/fixtures.js';

test('checkpoints round-trip tensors bit-exactly and state as JSON', async () => {
  await useCpu();
  const runDir = tempDir();
  const a = tf.tensor2d([
    [1.1, -2.5e-30],
    [3, Math.PI],
  ]);
  const b = tf.tensor1d([0.1, 0.2, 0.3]);
  await writeCheckpoint(runDir, { a, b }, { epoch: 2, note: 'x' });
  const c = await readCheckpoint(runDir);
  assert.deepEqual(c?.tensors.get('a')?.shape, [2, 2]);
  assert.deepEqual(Array.from(c?.tensors.get('a')?.values ?? []), Array.from(await a.data()));
  assert.deepEqual(Array.from(c?.tensors.get('b')?.values ?? []), Array.from(await b.data()));
  assert.deepEqual(c?.state, { epoch: 2, note: 'x' });
  tf.dispose([a, b]);
  assert.equal(await readCheckpoint(tempDir()), null);
});

test('corrupt or truncated checkpoint files are errors naming the file and the problem', async () => {
  await useCpu();
  const runDir = tempDir();
  const t = tf.zeros([4]);
  await writeCheckpoint(runDir, { t }, { epoch: 1 });
  t.dispose();
  const dir = join(runDir, 'checkpoint');
  const bin = join(dir, 'tensors.bin');
  truncateSync(bin, 10);
  await assert.rejects(
    readCheckpoint(runDir),
    new RegExp(`${bin} must hold 16 bytes \\(4 float32 values\\), got 10 bytes`),
  );
  const manifest = join(dir, 'tensors.json');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').slice(0, 20));
  await assert.rejects(
    readCheckpoint(runDir),
    new RegExp(`readCheckpoint: ${manifest} must be valid JSON \\(truncated or corrupt\\), got`),
  );
  writeFileSync(manifest, '{"format": "other"}');
  await assert.rejects(
    readCheckpoint(runDir),
    /tensors.json must be \{format: 'lgm-checkpoint-1', tensors: \[...\]\}/,
  );
});
