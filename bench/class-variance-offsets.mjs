// How much the per-class log-determinants of a learned-variance L-GM run cost its likelihood detector
// (docs/reproduce.md, "Learned variances"): the class likelihood (lgm-class) with the run's own log-variances,
// then with every class given their mean, so that only the distances rank. AUROC of the first 1000 clean MNIST
// test images against the first 1000 Fashion-MNIST test images and 1000 Gaussian-noise images (seed 0), the
// detector fitted on the first 5000 training images, as `lgm detect` does by default. After `npm run build`:
//   node bench/class-variance-offsets.mjs <run dir> [<run dir> ...]
import * as tf from '@tensorflow/tfjs-core';
import {
  initBackend,
  loadInputs,
  noiseInputs,
  LgmLikelihoodDetector,
  batchedFeatures,
} from '../dist/src/index.js';
import { detectionMetrics, readMixtureFile } from '../dist/src/index.js';
import { loadRun } from '../dist/src/train/index.js';

const runs = process.argv.slice(2);
if (runs.length === 0) {
  console.error('usage: node bench/class-variance-offsets.mjs <run dir> [<run dir> ...]');
  process.exit(2);
}
await initBackend('wasm');
const sets = {
  clean: (await loadInputs('mnist', { split: 'test', limit: 1000 })).x,
  'fashion-mnist': (await loadInputs('fashion-mnist', { split: 'test', limit: 1000 })).x,
};
const train = await loadInputs('mnist', { split: 'train', limit: 5000 });
for (const dir of runs) {
  const run = await loadRun(dir);
  const mixture = await readMixtureFile(dir);
  if (mixture === null || mixture.covariance === 'identity') {
    console.log(`${dir}: no learned variances (identity covariance or no mixture.json), skipped`);
    continue;
  }
  const model = run.classifier;
  const features = (x) => batchedFeatures(model, x, 256);
  const noise = noiseInputs('gaussian', 1000, model.inputShape, 0);
  const clean = features(sets.clean);
  const ood = { 'fashion-mnist': features(sets['fashion-mnist']), gaussian: features(noise) };
  const trainFeatures = features(train.x);
  const { means, logVariances } = mixture.params;
  const shared = tf.fill(logVariances.shape, tf.mean(logVariances).dataSync()[0]);
  const line = { run: dir };
  for (const [label, lv] of [
    ['own', logVariances],
    ['shared', shared],
  ]) {
    const detector = new LgmLikelihoodDetector({
      mixture: { means, logVariances: lv },
      covariance: mixture.covariance,
    });
    detector.fitFeatures(trainFeatures, train.y);
    const cleanScores = detector.scoreFeatures(clean);
    for (const [set, f] of Object.entries(ood)) {
      line[`${label} ${set}`] =
        Math.round(1000 * detectionMetrics(cleanScores, detector.scoreFeatures(f)).auroc) / 10;
    }
    detector.dispose();
  }
  const lvs = Array.from(logVariances.dataSync());
  line['log-variance range over classes'] = Math.round(1000 * (Math.max(...lvs) - Math.min(...lvs))) / 1000;
  console.log(JSON.stringify(line));
  tf.dispose([clean, ...Object.values(ood), trainFeatures, shared, noise]);
  mixture.dispose();
  run.dispose();
}
