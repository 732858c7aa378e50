import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { AttackResult } from '../../src/attacks/index.js';
import {
  listAdversarialSets,
  readAdversarialFeatures,
  readAdversarialMeta,
  readAdversarialSet,
  writeAdversarialSet,
} from '../../src/run/adversarial.js';

before(async () => {
  await initBackend('cpu');
});

const advDir = mkdtempSync(join(tmpdir(), 'lgm-run-adv-'));
after(() => rmSync(advDir, { recursive: true, force: true }));

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

/** Writes the fake result as the set 'bim' of `dir`. */
async function writeBim(dir: string): Promise<void> {
  const result = fakeResult();
  await writeAdversarialSet(dir, 'bim', result, {
    attack: 'bim',
    options: {},
    indices: [0, 1],
    labels: [0, 1],
  });
  result.adversarial.dispose();
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
  await writeBim(dir);
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

test('adversarial set round trip with features; listing and the likelihood-map overlay read them', async () => {
  assert.deepEqual(await listAdversarialSets(advDir), []);
  assert.equal(await readAdversarialFeatures(advDir, 2), null);
  const r = fakeResult();
  await writeAdversarialSet(advDir, 'fgsm', r, {
    attack: 'fgsm',
    options: { epsilon: 0.1 },
    indices: [4, 7],
    labels: [0, 0],
    features: [[1, 2]],
  });
  r.adversarial.dispose();
  const { file, inputs } = await readAdversarialSet(advDir, 'fgsm');
  assert.deepEqual(Array.from(inputs.dataSync()), [0, 0.25, 0.5, 1, 0.125, 0.75]);
  inputs.dispose();
  assert.deepEqual(file.indices, [4, 7]);
  assert.deepEqual(file.features, [[1, 2]]);
  assert.deepEqual(await readAdversarialMeta(advDir, 'fgsm'), file);
  assert.deepEqual(await listAdversarialSets(advDir), ['fgsm']);
  assert.deepEqual(await readAdversarialFeatures(advDir, 2), { features: [[1, 2]], files: ['fgsm.json'] });
});

test('every malformed adversarial set names the file and the field', async () => {
  await writeBim(advDir);
  const file = join(advDir, 'adversarial', 'bim.json');
  const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ format: 'lgm-adversarial-0' }, /format must be 'lgm-adversarial-1', got 'lgm-adversarial-0'/],
    [{ shape: [2] }, /shape must be \[N, ...inputShape\] of positive integers/],
    [{ shape: [2 ** 20, 2 ** 20] }, /shape must be .* \(at most 536870912 values\)/],
    [{ labels: [0] }, /labels must be an array of 2, got array of length 1/],
    [{ predictions: [0, -1] }, /predictions\[1\] must be an integer in/],
    [{ indices: [0, 0.5] }, /indices\[1\] must be an integer in/],
    [{ success: [true, 1] }, /success must be 2 booleans/],
    [{ originalCorrect: [true] }, /originalCorrect must be 2 booleans/],
    [{ l2: [0, 'x'] }, /l2 must be 2 finite numbers/],
    [{ linf: null }, /linf must be 2 finite numbers, got null/],
    [{ successRate: 2 }, /successRate must be a number in \[0, 1\] or null, got number 2/],
    [{ attack: 3 }, /attack must be a string, got number 3/],
    [{ features: [[1, 2], [3]] }, /features\[1\] must be 2 finite numbers, got array of length 1/],
  ];
  for (const [change, message] of cases) {
    writeFileSync(file, JSON.stringify({ ...good, ...change }));
    await assert.rejects(
      readAdversarialSet(advDir, 'bim'),
      (e: Error) => e.message.startsWith(`readAdversarialSet: ${file} `) && message.test(e.message),
      `${message}`,
    );
  }
  writeFileSync(file, JSON.stringify({ ...good, data: '../../x.f32' }));
  await assert.rejects(
    readAdversarialSet(advDir, 'bim'),
    /"data" must be a file name inside .*adversarial \(no '..', not absolute\)/,
  );
  writeFileSync(file, JSON.stringify({ ...good, features: [[1, 2, 3]] }));
  await assert.rejects(
    readAdversarialFeatures(advDir, 2),
    /readAdversarialFeatures: .*bim.json features\[0\] must be 2 finite numbers/,
  );
  await assert.rejects(
    readAdversarialSet(advDir, 'cw'),
    /readAdversarialSet: .*cw.json must exist \(run lgm attack first\), got no such file/,
  );
});
