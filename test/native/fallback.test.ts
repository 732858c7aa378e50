import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/backend/index.js';
import {
  NATIVE_KERNELS,
  nativeKernelsReason,
  nativeKernelsRegistered,
  registerNativeKernels,
  unregisterNativeKernels,
} from '../../src/native/index.js';
import { nativeSkip } from './compare.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** As the user set it, read before any test loads the addon. */
const userWaitPolicy = process.env.OMP_WAIT_POLICY;

test('LGM_NATIVE=0 forces the fallback: registration reports why and leaves the kernels alone', async () => {
  await tf.setBackend('cpu');
  const own = tf.getKernel('Conv2D', 'cpu');
  const saved = process.env.LGM_NATIVE;
  process.env.LGM_NATIVE = '0';
  try {
    assert.equal(registerNativeKernels('cpu'), false);
    assert.match(nativeKernelsReason(), /disabled by LGM_NATIVE=0/);
    assert.equal(nativeKernelsRegistered('cpu'), false);
    assert.equal(tf.getKernel('Conv2D', 'cpu'), own);
  } finally {
    if (saved === undefined) delete process.env.LGM_NATIVE;
    else process.env.LGM_NATIVE = saved;
  }
});

test('an unknown LGM_CONV_LAYOUT is a clear error, not ignored', () => {
  const saved = process.env.LGM_CONV_LAYOUT;
  process.env.LGM_CONV_LAYOUT = 'winogard';
  try {
    assert.throws(
      () => registerNativeKernels('cpu'),
      /LGM_CONV_LAYOUT must be one of nhwc, blocked, winograd, direct \(or unset\), got 'winogard'/,
    );
  } finally {
    if (saved === undefined) delete process.env.LGM_CONV_LAYOUT;
    else process.env.LGM_CONV_LAYOUT = saved;
  }
});

test('registerNativeKernels rejects bad backend names', () => {
  assert.equal(registerNativeKernels('webgl'), false);
  assert.equal(nativeKernelsReason(), "backend 'webgl' is not one of wasm, cpu");
  assert.throws(
    () => registerNativeKernels(3 as unknown as string),
    /registerNativeKernels: backendName must be a string, got number/,
  );
});

test(
  'register is idempotent and unregister restores every kernel and the Prelu gradient',
  { skip: nativeSkip() },
  () => {
    const own = NATIVE_KERNELS.map((k) => tf.getKernel(k.kernelName, 'wasm'));
    const preluGrad = tf.getGradient('Prelu');
    assert.equal(registerNativeKernels('wasm'), true);
    assert.equal(registerNativeKernels('wasm'), true);
    assert.notEqual(tf.getKernel('Conv2D', 'wasm'), own[0]);
    assert.notEqual(tf.getGradient('Prelu'), preluGrad);
    assert.equal(unregisterNativeKernels('wasm'), true);
    assert.equal(unregisterNativeKernels('wasm'), false);
    NATIVE_KERNELS.forEach((k, i) => assert.equal(tf.getKernel(k.kernelName, 'wasm'), own[i], k.kernelName));
    assert.equal(tf.getGradient('Prelu'), preluGrad);
  },
);

test('the install script never fails the install: without a compiler it prints one line and exits 0', () => {
  // Build in a copy: a failed node-gyp rebuild removes the build folder it ran in.
  const dir = mkdtempSync(join(tmpdir(), 'lgm-native-'));
  try {
    for (const part of ['install.mjs', 'binding.gyp', 'src']) {
      cpSync(join(root, 'native', part), join(dir, part), { recursive: true });
    }
    const run = spawnSync(process.execPath, [join(dir, 'install.mjs')], {
      env: { ...process.env, CXX: 'false', LGM_NATIVE_BUILD: '' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, run.stdout);
    assert.match(
      lines[0]!,
      /^lgm: native kernels not built \(no C\+\+ compiler \(false\)\); training uses wasm; /,
    );
    assert.match(lines[0]!, /libdnnl-dev .*npm rebuild lgm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading the addon leaves OMP_WAIT_POLICY as the user had it', { skip: nativeSkip() }, () => {
  // nativeSkip() has loaded the addon (with the passive policy set only during the load, if the user set none).
  assert.equal(process.env.OMP_WAIT_POLICY, userWaitPolicy);
});
