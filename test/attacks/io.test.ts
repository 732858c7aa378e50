import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { AttackResult } from '../../src/attacks/index.js';
import { readAdversarialSet, writeAdversarialSet } from '../../src/run/adversarial.js';

before(async () => {
  await initBackend('cpu');
});

/** The per-example fields of the fake attack result; a written file must hold them unchanged. */
const PER_EXAMPLE = {
  success: [true, false],
  originalCorrect: [true, true],
  predictions: [2, 1],
  l2: [0.5, 0],
  linf: [0.25, 0],
  successRate: 0.5,
};

function fakeResult(): AttackResult {
  return { adversarial: tf.tensor([0, 0.25, 0.5, 1, 0.125, 0.75], [2, 3]), ...structuredClone(PER_EXAMPLE) };
}

test('adversarial sets round-trip through their files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgm-adv-'));
  const result = fakeResult();
  const meta = { attack: 'fgsm', options: { epsilon: 0.25 }, indices: [4, 7], labels: [1, 1] };
  const jsonFile = await writeAdversarialSet(dir, 'fgsm', result, meta);
  assert.equal(jsonFile, join(dir, 'adversarial', 'fgsm.json'));
  const { file, inputs } = await readAdversarialSet(dir, 'fgsm');
  assert.deepEqual(inputs.shape, [2, 3]);
  assert.deepEqual(Array.from(inputs.dataSync()), [0, 0.25, 0.5, 1, 0.125, 0.75]);
  assert.deepEqual(
    { ...file, data: undefined },
    { format: 'lgm-adversarial-1', ...meta, shape: [2, 3], ...PER_EXAMPLE, data: undefined },
  );
  tf.dispose([inputs, result.adversarial]);
  rmSync(dir, { recursive: true });
});

test('corrupt or truncated adversarial files name the file and the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgm-adv-'));
  const result = fakeResult();
  await writeAdversarialSet(dir, 'bim', result, {
    attack: 'bim',
    options: {},
    indices: [0, 1],
    labels: [0, 1],
  });
  result.adversarial.dispose();
  const bin = join(dir, 'adversarial', 'bim.f32');
  truncateSync(bin, 20);
  await assert.rejects(
    readAdversarialSet(dir, 'bim'),
    new RegExp(`${bin} must hold 24 bytes \\(float32 \\[2,3\\]\\), got 20`),
  );
  rmSync(bin);
  await assert.rejects(
    readAdversarialSet(dir, 'bim'),
    /bim.f32 must exist \(named by .*bim.json\), got no such file/,
  );
  const json = join(dir, 'adversarial', 'bim.json');
  writeFileSync(json, readFileSync(json, 'utf8').slice(0, 30));
  await assert.rejects(
    readAdversarialSet(dir, 'bim'),
    /readAdversarialSet: .*bim.json must be valid JSON \(truncated or corrupt\), got/,
  );
  writeFileSync(json, JSON.stringify({ format: 'lgm-adversarial-1', shape: [2, 3], labels: [0] }));
  await assert.rejects(
    readAdversarialSet(dir, 'bim'),
    /readAdversarialSet: .*bim.json labels must be an array of 2, got array of length 1/,
  );
  await assert.rejects(
    writeAdversarialSet(dir, '../x', fakeResult(), { attack: 'x', options: {}, indices: [], labels: [] }),
    /writeAdversarialSet: name must be a plain file name \(letters, digits, '_', '.' or '-'\), got "..\/x"/,
  );
  rmSync(dir, { recursive: true });
});
