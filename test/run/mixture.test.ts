import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { type RunMixture, readMixtureFile, readRunMixture, writeRunMixture } from '../../src/run/mixture.js';

const dir = mkdtempSync(join(tmpdir(), 'lgm-run-mixture-'));
before(() => initBackend('cpu'));
after(() => rmSync(dir, { recursive: true, force: true }));

const means = [
  [0, 1],
  [2, 3],
];
const mixtures: RunMixture[] = [
  { covariance: 'identity', means, logVariances: null, logPriors: null },
  { covariance: 'isotropic', means, logVariances: [0.5, -0.5], logPriors: [-0.1, -2.3] },
  {
    covariance: 'diagonal',
    means,
    logVariances: [
      [0, 0.1],
      [0.2, 0.3],
    ],
    logPriors: null,
  },
];

test('mixture.json round trip for every covariance, as arrays and as tensors', async () => {
  for (const m of mixtures) {
    await writeRunMixture(dir, m);
    assert.deepEqual(await readRunMixture(dir, 2), m);
    assert.deepEqual(await readRunMixture(dir), m, "the width is the means' when not given");
    const before = tf.memory().numTensors;
    const t = await readMixtureFile(dir);
    assert.ok(t !== null);
    assert.equal(t.covariance, m.covariance);
    assert.deepEqual(await t.params.means.array(), means);
    // Tensors hold float32.
    const f32 = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(f32) : typeof v === 'number' ? Math.fround(v) : v;
    assert.deepEqual(
      t.params.logVariances === undefined ? null : await t.params.logVariances.array(),
      f32(m.logVariances),
    );
    assert.deepEqual(
      t.params.logPriors === undefined ? null : await t.params.logPriors.array(),
      f32(m.logPriors),
    );
    t.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
});

test('mixture.json: absent is null; every malformed case names the file and the field', async () => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  assert.equal(await readRunMixture(empty), null);
  assert.equal(await readMixtureFile(empty), null);
  const file = join(dir, 'mixture.json');
  const cases: [unknown, RegExp][] = [
    [[1], /mixture.json must hold a JSON object, got array of length 1/],
    [
      { ...mixtures[0], covariance: 'full' },
      /covariance must be one of identity, isotropic, diagonal, got 'full'/,
    ],
    [{ ...mixtures[0], means: [] }, /means must be a non-empty array, got array of length 0/],
    [{ ...mixtures[0], means: [[0, 1], [2]] }, /means\[1\] must be 2 finite numbers, got array of length 1/],
    [
      {
        ...mixtures[0],
        means: [
          [0, 1],
          [2, null],
        ],
      },
      /means\[1\] must be 2 finite numbers/,
    ],
    [
      { ...mixtures[0], logVariances: [0, 0] },
      /logVariances must be null for covariance 'identity', got array of length 2/,
    ],
    [
      { ...mixtures[1], logVariances: [0] },
      /logVariances must be 2 finite numbers for covariance 'isotropic'/,
    ],
    [
      { ...mixtures[2], logVariances: [[0, 0]] },
      /logVariances must be an array of 2 rows, got array of length 1/,
    ],
    [{ ...mixtures[2], logVariances: [[0, 0], [0]] }, /logVariances\[1\] must be 2 finite numbers/],
    [{ ...mixtures[1], logPriors: [0, 'a'] }, /logPriors \(or null\) must be 2 finite numbers/],
  ];
  for (const [content, message] of cases) {
    writeFileSync(file, JSON.stringify(content));
    for (const read of [() => readRunMixture(dir), () => readMixtureFile(dir)]) {
      await assert.rejects(
        read(),
        (e: Error) => e.message.includes(`${file} `) && message.test(e.message),
        `${message}`,
      );
    }
  }
  writeFileSync(file, JSON.stringify(mixtures[0]));
  await assert.rejects(
    readRunMixture(dir, 3),
    /readRunMixture: .*mixture.json means\[0\] must be 3 finite numbers/,
  );
  writeFileSync(file, '{"covariance": "iden');
  await assert.rejects(
    readRunMixture(dir),
    /readRunMixture: .*mixture.json must be valid JSON \(truncated or corrupt\)/,
  );
});
