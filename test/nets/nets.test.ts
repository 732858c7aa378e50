import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildNetwork, featureWidth, NETWORK_NAMES } from '../../src/nets/registry.js';
import { cifarResNet } from '../../src/nets/resnet.js';
import { mlp } from '../../src/nets/mlp.js';
import { countParams } from '../../src/nets/lenetpp.js';

test("CIFAR ResNets have 6n+2 weighted layers, He et al.'s parameter counts and a 64-wide feature", async () => {
  await tf.setBackend('cpu');
  // He et al. 2016, Table 6: 0.27M, 0.46M, 0.85M, 1.7M parameters (plus our batch-norm offsets, no classifier).
  const expected: Record<number, [number, number]> = {
    20: [0.26e6, 0.28e6],
    32: [0.45e6, 0.47e6],
    56: [0.84e6, 0.86e6],
    110: [1.7e6, 1.75e6],
  };
  for (const depth of [20, 32, 56, 110] as const) {
    const net = cifarResNet({ depth, seed: 1 });
    const convs = net.layers.filter((l) => l.getClassName() === 'Conv2D').length;
    assert.equal(convs, depth - 1, `depth ${depth}`); // + the classifier (the loss head) = depth
    const params = countParams(net);
    assert.ok(params > expected[depth][0] && params < expected[depth][1], `resnet${depth}: ${params}`);
    assert.equal(featureWidth(net), 64);
    net.dispose();
  }
});

test('ResNet-20 forward: [N,32,32,3] -> [N,64] (and a projected width), option-A shortcuts, seeded', async () => {
  await tf.setBackend('cpu');
  // Counted before the nets are built: the first inference call caches each net's folded batch-norm weights
  // (nets/folded-inference.ts), which dispose() frees.
  const before = tf.memory().numTensors;
  const a = cifarResNet({ depth: 20, seed: 5, featureDim: 10 });
  const b = cifarResNet({ depth: 20, seed: 5, featureDim: 10 });
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
  const [ya, yb] = tf.tidy(() => [
    a.apply(x, { training: false }) as tf.Tensor,
    b.apply(x, { training: false }) as tf.Tensor,
  ]);
  assert.deepEqual(ya.shape, [2, 10]);
  assert.deepEqual(await ya.data(), await yb.data());
  tf.dispose([ya, yb]);
  // The shortcut layers hold no weights (option A).
  const shortcut = a.layers.find((l) => l.name.endsWith('_shortcut'));
  assert.ok(shortcut !== undefined && shortcut.weights.length === 0);
  x.dispose();
  a.dispose();
  b.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('ResNet-20 at seed 0 (the default) is reproducible in every weight, and seeds 0 and 1 differ', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  // tfjs's normal initialisers take seed 0 as none: the first convolution (seed 0 + index 0) was unseeded.
  const [a, b, c] = [0, 0, 1].map((seed) => cifarResNet({ depth: 20, seed }));
  const weights = (m: typeof a) => m.getWeights().map((w) => w.dataSync());
  const [wa, wb, wc] = [weights(a), weights(b), weights(c)];
  assert.equal(wa.length, wb.length);
  wa.forEach((w, i) =>
    assert.deepEqual(w, wb[i], `weight ${a.weights[i]!.originalName} differs between two seed-0 builds`),
  );
  assert.notDeepEqual(wa[0], wc[0]);
  [a, b, c].forEach((m) => m.dispose());
  assert.equal(tf.memory().numTensors, before);
});

test('MLP: vector and image inputs, hidden widths, seeded initialisation', async () => {
  await tf.setBackend('cpu');
  const net = mlp({ inputShape: [5], hidden: [8, 4], featureDim: 3, seed: 2 });
  assert.deepEqual(net.outputs[0].shape, [null, 3]);
  assert.equal(countParams(net), 5 * 8 + 8 + 8 * 4 + 4 + 4 * 3 + 3);
  const image = mlp({ inputShape: [6, 6, 1], hidden: [], featureDim: 2 });
  assert.equal(countParams(image), 36 * 2 + 2);
  const again = mlp({ inputShape: [5], hidden: [8, 4], featureDim: 3, seed: 2 });
  assert.deepEqual(await net.getWeights()[0].data(), await again.getWeights()[0].data());
  for (const n of [net, image, again]) n.dispose();
});

test('buildNetwork: every name builds; bad names and options are clear errors', async () => {
  await tf.setBackend('cpu');
  for (const name of NETWORK_NAMES.filter((n) => !['resnet56', 'resnet110'].includes(n))) {
    const shape = name === 'mlp' ? [4] : name === 'lenetpp' ? [28, 28, 1] : [32, 32, 3];
    const net = buildNetwork(name, { inputShape: shape, featureDim: 3 });
    assert.equal(featureWidth(net), 3, name);
    net.dispose();
  }
  assert.throws(
    () => buildNetwork('vgg', { inputShape: [4] }),
    /buildNetwork: network must be one of lenetpp, mlp, resnet20, resnet32, resnet56, resnet110, got 'vgg'/,
  );
  assert.throws(
    () => buildNetwork('lenetpp', { inputShape: [4] }),
    /network 'lenetpp' needs an image inputShape \[H, W, C\], got array of length 1/,
  );
  assert.throws(
    () => buildNetwork('resnet20', { inputShape: [32, 32, 3], hidden: [3] }),
    /options.hidden applies only to network 'mlp'/,
  );
  assert.throws(() => mlp({ hidden: [0] }), /mlp: options.hidden must be a list of positive integers/);
  assert.throws(
    () => cifarResNet({ depth: 18 as never }),
    /cifarResNet: options.depth must be one of 20, 32, 56, 110, got 18/,
  );
  assert.throws(
    () => mlp({ featureDim: 0 }),
    /mlp: options.featureDim must be an integer in \[1, Infinity\], got number 0/,
  );
});
