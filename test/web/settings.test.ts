import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings } from '../../web/src/settings.js';

test('readSettings: defaults depend on the backend, the address overrides them', () => {
  const none = new URLSearchParams('');
  assert.deepEqual(readSettings(none, true), {
    batchSize: 64,
    evalSize: 1000,
    evalEvery: 10,
    learningRate: 0.001,
    mixtureLearningRate: 0.02,
    flagRate: 0.05,
    seed: 0,
    stopAfter: 0,
  });
  assert.equal(readSettings(none, false).batchSize, 32);
  assert.equal(readSettings(none, false).evalSize, 300);
  const given = readSettings(
    new URLSearchParams(
      'batch=16&eval=200&evalEvery=5&lr=0.01&mixtureLr=0.1&flagRate=0.1&seed=3&stopAfter=7&backend=wasm',
    ),
    false,
  );
  assert.deepEqual(given, {
    batchSize: 16,
    evalSize: 200,
    evalEvery: 5,
    learningRate: 0.01,
    mixtureLearningRate: 0.1,
    flagRate: 0.1,
    seed: 3,
    stopAfter: 7,
  });
});

test('readSettings: bad and unknown parameters are errors, never ignored', () => {
  const read = (query: string) => () => readSettings(new URLSearchParams(query), true);
  assert.throws(read('batch=0'), /page address: batch must be an integer in \[1, 512\], got '0'/);
  assert.throws(read('batch=2.5'), /batch must be an integer/);
  assert.throws(read('eval=abc'), /page address: eval must be an integer in \[50, 1000\], got 'abc'/);
  assert.throws(read('lr='), /page address: lr must be a number in \[0.000001, 1\], got ''/);
  assert.throws(
    read('batchsize=8'),
    /page address: unknown parameter 'batchsize', expected one of backend, model, batch,/,
  );
});
