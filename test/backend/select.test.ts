import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKENDS,
  backendInfo,
  describeBackend,
  initBackend,
  nodeSupportsWasmThreads,
} from '../../src/backend/index.js';
import { LgmError } from '../../src/util/errors.js';
import { inChild } from './child.js';
import { loadAddon } from '../../src/native/index.js';

test('initBackend: a named backend is used and reported', async () => {
  assert.equal(await initBackend('cpu', { native: false }), 'cpu');
  assert.deepEqual(backendInfo(), { name: 'cpu', tfName: 'cpu', threads: 1, native: false });
  assert.equal(describeBackend(), 'backend: cpu (1 thread)');
  // With the addon built (the usual install), the native kernels are on by default and reported.
  const withAddon = loadAddon().addon !== null;
  await initBackend('cpu');
  assert.equal(backendInfo().native, withAddon);
  if (withAddon)
    assert.match(
      describeBackend(),
      /^backend: cpu \(1 thread, native kernels: oneDNN \d+\.\d+\.\d+ \(\w+\)\)$/,
    );
  else assert.match(describeBackend(), /^backend: cpu \(1 thread, native kernels off: .+\)$/);
  await initBackend('cpu', { native: false });
  assert.equal(backendInfo().native, false, 'native: false puts the backend kernels back');
  assert.equal(await initBackend('wasm', { threads: 1 }), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(backendInfo().threads, 1);
});

test('initBackend: unknown names, bad thread counts and missing native bindings throw', async () => {
  await assert.rejects(initBackend('webgl'), {
    name: 'LgmError',
    message: `initBackend: backend must be one of ${BACKENDS.join(', ')}, got 'webgl'`,
  });
  await assert.rejects(initBackend('wasm', { threads: 0 }), {
    message: 'initBackend: options.threads must be an integer in [1, 8], got number 0',
  });
  // tfjs-node is never a dependency of lgm; where the user has not installed it, naming it is an error.
  let installed = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    installed = false;
  }
  if (!installed) {
    await assert.rejects(initBackend('tfjs-node'), (e: unknown) => {
      assert.ok(e instanceof LgmError);
      assert.equal(e.message, "initBackend: backend 'tfjs-node' failed to initialise");
      return true;
    });
  }
});

test('automatic selection skips uninstalled native backends and picks threaded wasm; LGM_BACKEND overrides', () => {
  const snippet = `const name = await initBackend();
const y = tf.conv2d(tf.ones([1, 6, 6, 4]), tf.ones([3, 3, 4, 2]), 1, 'same');
console.log(JSON.stringify({ name, ...backendInfo(), centre: y.dataSync()[2 * 12 + 2 * 2] }));`;
  const auto = inChild({ LGM_BACKEND: '', LGM_THREADS: '2' }, snippet);
  assert.equal(auto.name, 'wasm');
  assert.equal(auto.threads, nodeSupportsWasmThreads() ? 2 : 1);
  assert.equal(auto.centre, 36); // a full 3x3x4 window of ones: the threaded pool computes correctly
  // The process above exited on its own: the pool's workers do not keep Node alive.
  const single = inChild({ LGM_BACKEND: 'wasm', LGM_THREADS: '1' }, snippet);
  assert.equal(single.threads, 1);
  const cpu = inChild({ LGM_BACKEND: 'cpu' }, snippet);
  assert.deepEqual([cpu.name, cpu.threads, cpu.centre], ['cpu', 1, 36]);
});
