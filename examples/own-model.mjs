// Your own TF.js model with an L-GM head, on MNIST: build (or load) any tfjs-layers model, put the Gaussian
// mixture on one of its layers, fit, then classify and flag unfamiliar inputs with lgm's detectors.
// Run from the repository after `npm run build`: node examples/own-model.mjs (LGM_EXAMPLE_IMAGES=6000 by
// default; the tests run it on 600). In your project, `import ... from 'lgm'` works the same.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  batchedFeatures,
  createDetector,
  detectionMetrics,
  initBackend,
  loadMnist,
  noiseInputs,
  withGaussianMixtureHead,
} from 'lgm';

const backend = await initBackend(); // wasm, else cpu ($LGM_BACKEND overrides)
const trainCount = Number(process.env.LGM_EXAMPLE_IMAGES ?? 6000);
const testCount = 1000;

/** The first `count` images of a split as pixels / 255 [N,28,28,1] and int32 labels [N]. */
async function mnist(split, count) {
  const data = await loadMnist({ split });
  const n = Math.min(count, data.count);
  const x = tf.tensor4d(
    Float32Array.from(data.images.subarray(0, n * 784), (v) => v / 255),
    [n, 28, 28, 1],
  );
  const y = tf.tensor1d(Int32Array.from(data.labels.subarray(0, n)), 'int32');
  return { x, y };
}

// 1. Any tfjs-layers model: here a small CNN with a 32-unit embedding and its own softmax classifier (as you
//    might have built it, or converted it from Keras and loaded it with tf.loadLayersModel).
const seed = (k) => tfl.initializers.glorotUniform({ seed: k });
const model = tfl.sequential({
  layers: [
    tfl.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 16,
      kernelSize: 5,
      activation: 'relu',
      kernelInitializer: seed(1),
    }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: seed(2) }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 32, name: 'embedding', kernelInitializer: seed(3) }),
    tfl.layers.dense({ units: 10, activation: 'softmax', name: 'classifier', kernelInitializer: seed(4) }),
  ],
});

// 2. The L-GM head on the embedding (the layers after it are not used).
const lgm = withGaussianMixtureHead(model, {
  featureLayer: 'embedding',
  numClasses: 10,
  covariance: 'diagonal',
  alpha: 0.1, // margin
  lambda: 0.1, // likelihood weight
  checkValues: false, // no host reads per batch
  seed: 0,
});

// 3. fit: inputs [images, labels], targets one-hot labels; the head adds the likelihood term itself.
const train = await mnist('train', trainCount);
const test = await mnist('test', testCount);
lgm.training.compile({
  optimizer: tf.train.adam(0.002),
  loss: (target, logits) => tf.losses.softmaxCrossEntropy(target, logits),
});
const labels = tf.reshape(train.y, [-1, 1]);
const targets = tf.cast(tf.oneHot(train.y, 10), 'float32');
await lgm.training.fit([train.x, labels], targets, { epochs: 3, batchSize: 64, shuffle: true, verbose: 0 });
tf.dispose([labels, targets]);

// 4. Classify: the inference model gives logits whose softmax is the class posterior.
const predicted = tf.tidy(() => tf.argMax(lgm.inference.predict(test.x), 1));
const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(predicted, test.y), 'float32')).dataSync()[0]);
predicted.dispose();

// 5. Detect: the lgm-class detector (log-likelihood of the feature under its predicted class) separates test
//    digits from uniform noise images.
const detector = createDetector('lgm-class', { classifier: lgm.classifier, mixture: lgm.mixture });
const trainFeatures = batchedFeatures(lgm.classifier, train.x, 256);
detector.fitFeatures(trainFeatures, train.y);
const noise = noiseInputs('uniform', testCount, [28, 28, 1], 0);
const [cleanFeatures, noiseFeatures] = [test.x, noise].map((x) => batchedFeatures(lgm.classifier, x, 256));
const auroc = detectionMetrics(
  detector.scoreFeatures(cleanFeatures),
  detector.scoreFeatures(noiseFeatures),
).auroc;

console.log(
  JSON.stringify({
    backend,
    trainImages: train.y.shape[0],
    testImages: testCount,
    accuracy,
    aurocUniformNoise: auroc,
  }),
);
tf.dispose([train.x, train.y, test.x, test.y, noise, trainFeatures, cleanFeatures, noiseFeatures]);
detector.dispose();
