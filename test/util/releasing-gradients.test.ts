import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/util/tf-gradients.js';
import { releasingVariableGrads } from '../../src/util/releasing-gradients.js';
import { buildNetwork } from '../../src/nets/registry.js';

/**
 * A chain of `depth` blocks over a [16,32] input: matmul, a ReLU, a residual add, a split and concat (a
 * multi-output kernel), with one weight used by every block (its gradient accumulates) and a custom gradient at
 * the bottom that records how many tensors are alive when backprop reaches it and returns its dy unchanged (a
 * gradient that hands on a tensor it was given), and at the top one that hands one tensor to two inputs.
 */
function chain(depth: number, seen: number[]) {
  const x = tf.tensor2d(
    Array.from({ length: 16 * 32 }, (_, i) => Math.sin(i)),
    [16, 32],
  );
  // Inside tidy: the initial values are freed, the variables (never tidied) stay.
  const weights = Array.from({ length: depth }, (_, k) =>
    tf.tidy(() =>
      tf.variable(
        tf.tensor2d(
          Array.from({ length: 32 * 32 }, (_, i) => Math.cos(i + k) / 8),
          [32, 32],
        ),
        true,
        `releasing-w${k}-${Math.random()}`,
      ),
    ),
  );
  const shared = tf.tidy(() => tf.variable(tf.fill([32], 0.1), true, `releasing-shared-${Math.random()}`));
  const bottom = tf.customGrad((a) => ({
    value: tf.mul(a as tf.Tensor, 1),
    gradFunc: (dy) => {
      seen.push(tf.memory().numTensors);
      return dy;
    },
  }));
  // A custom gradient that hands one tensor to both of its inputs, whose producers backprop reaches at
  // different times (exp's first, then the block's).
  const twin = tf.customGrad((a, b) => ({
    value: tf.add(a as tf.Tensor, b as tf.Tensor),
    gradFunc: (dy) => {
      const t = tf.mul(dy as tf.Tensor, 0.5);
      return [t, t];
    },
  }));
  const f = () => {
    let h: tf.Tensor = bottom(tf.matMul(x, weights[0]));
    for (let k = 1; k < depth; k++) {
      const y = tf.relu(tf.add(tf.matMul(h, weights[k]), shared));
      const [a, b] = tf.split(y, 2, 1);
      h = tf.add(h, tf.concat([b, a], 1));
    }
    h = twin(h, tf.exp(tf.mul(h, 0.01)));
    return tf.mean(tf.square(h)) as tf.Scalar;
  };
  const vars = [...weights, shared];
  return { f, vars, dispose: () => tf.dispose([x, ...vars]) };
}

test('releasingVariableGrads gives tf.variableGrads values and frees the backward pass as it goes', () => {
  const before = tf.memory().numTensors;
  const plainSeen: number[] = [];
  const releasedSeen: number[] = [];
  const a = chain(24, plainSeen);
  const b = chain(24, releasedSeen);
  const plain = tf.variableGrads(a.f, a.vars);
  const released = releasingVariableGrads(b.f, b.vars);
  assert.equal(released.value.dataSync()[0], plain.value.dataSync()[0]);
  const names = a.vars.map((v) => v.name);
  assert.deepEqual(Object.keys(plain.grads).sort(), names.slice().sort());
  a.vars.forEach((v, i) => {
    const expected = plain.grads[v.name].dataSync();
    const got = released.grads[b.vars[i].name].dataSync();
    assert.deepEqual(Array.from(got), Array.from(expected), `gradient of ${v.name}`);
  });
  // When backprop reaches the bottom of the chain, tfjs-core holds every saved tensor and every gradient of
  // the 24 blocks; the releasing version holds only what is still to be used.
  assert.equal(plainSeen.length, 1);
  assert.equal(releasedSeen.length, 1);
  assert.ok(
    releasedSeen[0] < plainSeen[0] - 100,
    `live tensors at the bottom: released ${releasedSeen[0]}, plain ${plainSeen[0]}`,
  );
  tf.dispose([plain.value, released.value, ...Object.values(plain.grads), ...Object.values(released.grads)]);
  a.dispose();
  b.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('releasingVariableGrads inside another gradient is plain tf.variableGrads, and LGM_RELEASE_GRADIENTS=0 too', () => {
  const before = tf.memory().numTensors;
  const v = tf.tidy(() => tf.variable(tf.scalar(3), true, `releasing-nested-${Math.random()}`));
  // d/dx of (x * v)^2 's gradient in v: 2 x^2 v; at x = 2, v = 3: 24.
  const outer = tf.grad((x: tf.Tensor) => {
    const { value, grads } = releasingVariableGrads(() => tf.square(tf.mul(x, v)) as tf.Scalar, [v]);
    value.dispose();
    return grads[v.name];
  });
  const two = tf.scalar(2);
  const dx = outer(two);
  // d/dx (2 x^2 v) = 4 x v = 24.
  assert.equal(dx.dataSync()[0], 24);
  tf.dispose([dx, two]);
  const seen: number[] = [];
  const c = chain(4, seen);
  process.env.LGM_RELEASE_GRADIENTS = '0';
  try {
    // Switched off, the bottom of the chain sees as many live tensors as under tf.variableGrads.
    const base1 = tf.memory().numTensors;
    const r = releasingVariableGrads(c.f, c.vars);
    const value = r.value.dataSync()[0];
    tf.dispose([r.value, ...Object.values(r.grads)]);
    const base2 = tf.memory().numTensors;
    const p = tf.variableGrads(c.f, c.vars);
    assert.equal(seen.length, 2);
    assert.equal(seen[0] - base1, seen[1] - base2);
    assert.equal(value, p.value.dataSync()[0]);
    tf.dispose([p.value, ...Object.values(p.grads)]);
  } finally {
    delete process.env.LGM_RELEASE_GRADIENTS;
  }
  c.dispose();
  v.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('releasingVariableGrads on LeNet++ and ResNet-20 training steps: the same loss and gradients, bit for bit', () => {
  for (const [net, shape] of [
    ['lenetpp', [28, 28, 1]],
    ['resnet20', [8, 8, 3]],
  ] as const) {
    const model = buildNetwork(net, { featureDim: 4, seed: 2, inputShape: [...shape] });
    const x = tf.tensor4d(
      Array.from({ length: 2 * shape[0] * shape[1] * shape[2] }, (_, i) => Math.sin(i * 0.37)),
      [2, ...shape],
    );
    const before = tf.memory().numTensors;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const f = () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
    const plain = tf.variableGrads(f, vars);
    const released = releasingVariableGrads(f, vars);
    assert.equal(released.value.dataSync()[0], plain.value.dataSync()[0], net);
    for (const v of vars) {
      assert.deepEqual(
        Array.from(released.grads[v.name]!.dataSync()),
        Array.from(plain.grads[v.name]!.dataSync()),
        `${net} ${v.name}`,
      );
    }
    tf.dispose([
      plain.value,
      released.value,
      ...Object.values(plain.grads),
      ...Object.values(released.grads),
    ]);
    assert.equal(tf.memory().numTensors, before, `${net}: no tensor left behind`);
    tf.dispose(x);
    model.dispose();
  }
});
