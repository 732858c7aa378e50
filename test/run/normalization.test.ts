import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  readRunNormalization,
  runNormalization,
  writeRunNormalization,
} from '../../src/run/normalization.js';
import { asClassifier, disposeModel } from '../../src/train/model.js';
import { loadRun } from '../../src/train/run.js';
import { trainRun } from '../../src/train/trainer.js';
import { mnistRun } from '../detect/run-fixture.js';
import { blobData, mlpConfig, tempDir, useCpu } from '../train/fixtures.js';

const dirs: string[] = [];
before(useCpu);
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = tempDir('lgm-run-norm-');
  dirs.push(d);
  return d;
};

test('normalization.json round trip; absent is null; every malformed case named', async () => {
  const runDir = dir();
  assert.equal(await readRunNormalization(runDir, 3), null);
  const norm = { mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] };
  await writeRunNormalization(runDir, norm);
  assert.deepEqual(await readRunNormalization(runDir, 3), norm);
  const file = join(runDir, 'normalization.json');
  const cases: [unknown, RegExp][] = [
    [[], /must hold a JSON object, got array of length 0/],
    [{ ...norm, format: 'x' }, /format must be 'lgm-normalization-1', got 'x'/],
    [
      { ...norm, format: 'lgm-normalization-1', mean: [0, 0] },
      /mean must be 3 finite numbers, got array of length 2/,
    ],
    [{ ...norm, format: 'lgm-normalization-1', std: [1, 1, 'a'] }, /std must be 3 finite numbers/],
    [
      { ...norm, format: 'lgm-normalization-1', std: [1, 0, 1] },
      /std must be positive, got array of length 3/,
    ],
  ];
  for (const [content, message] of cases) {
    writeFileSync(file, JSON.stringify(content));
    await assert.rejects(
      readRunNormalization(runDir, 3),
      (e: Error) => e.message.startsWith(`readRunNormalization: ${file} `) && message.test(e.message),
      `${message}`,
    );
  }
});

test('trainRun writes normalization.json (identity for data given as they are); loadRun takes pixels', async () => {
  const runDir = dir();
  const data = blobData();
  const result = await trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data });
  disposeModel(result.model);
  assert.deepEqual(await readRunNormalization(runDir, 4), { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });

  const normalized = dir();
  const norm = { mean: [1, -1, 0.5, 0], std: [2, 2, 0.5, 1] };
  const again = await trainRun({
    config: mlpConfig({ epochs: 1 }),
    runDir: normalized,
    data: { ...blobData(), normalization: norm },
  });
  disposeModel(again.model);
  const run = await loadRun(normalized);
  try {
    assert.deepEqual(run.normalization, norm);
    // The loaded classifier normalises its inputs: pixels x give the model-space features of (x - mean) / std.
    const x = tf.tensor2d([[3, 1, 1, 2]]);
    const pixel = run.classifier.features(x);
    const model = asClassifier(run.model).features(tf.tensor2d([[1, 1, 1, 2]]));
    assert.deepEqual(Array.from(pixel.dataSync()), Array.from(model.dataSync()));
    tf.dispose([x, pixel, model]);
  } finally {
    run.dispose();
  }
  // A run written by an older lgm (no normalization.json) whose training set cannot be loaded: a clear error.
  rmSync(join(normalized, 'normalization.json'));
  await assert.rejects(
    loadRun(normalized),
    /loadRun: .* has no normalization.json \(written by an older lgm\), and its training set cannot be loaded to recompute it: runNormalization: dataset must be one of .*, got 'synthetic'/,
  );
  // Resuming it writes the file.
  const resumed = await trainRun({
    config: mlpConfig({ epochs: 1 }),
    runDir: normalized,
    data: { ...blobData(), normalization: norm },
    resume: true,
  });
  disposeModel(resumed.model);
  assert.deepEqual(await readRunNormalization(normalized, 4), norm);
});

test('a run written by an older lgm without normalization.json loads: the normalisation is recomputed', async () => {
  const runDir = await mnistRun('softmax', 200, 50);
  dirs.push(join(runDir, '..'));
  const saved = await readRunNormalization(runDir, 1);
  assert.ok(saved !== null);
  const fresh = await loadRun(runDir);
  fresh.dispose();
  assert.deepEqual(saved, await runNormalization(fresh.config.dataset));
  rmSync(join(runDir, 'normalization.json'));
  const old = await loadRun(runDir);
  try {
    assert.deepEqual(old.normalization, saved);
  } finally {
    old.dispose();
  }
});
