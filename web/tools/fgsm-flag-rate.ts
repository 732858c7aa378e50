/**
 * Measures, in Node, how often the page's unfamiliar-input flag fires on FGSM images, for a network trained
 * exactly as the page trains it (web/src/model: DigitNetwork, Trainer, evaluate, fgsmRate) on the bundled MNIST
 * subset (web/dist, from `npm run web:build`). Prints one JSON line per checkpoint. The numbers in docs/web.md
 * come from here:
 *
 *   npm run build && node dist/web/tools/fgsm-flag-rate.js --checkpoints 150,300,400,1000 --seed 0
 *
 * The backend is wasm with lgm's native kernels when built (about 10 times faster than the browser's wasm);
 * the browser is not bit-identical to it, so the browser test checks rates, not these exact numbers.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from 'lgm';
import { COVARIANCE_KINDS, datasetTensors, type CovarianceKind } from 'lgm/core';
import { readSplit } from './page-numbers.js';
import { evaluate } from '../src/model/evaluate.js';
import { fgsmRate } from '../src/model/fgsm-rate.js';
import { DigitNetwork, MEAN_CIRCLE_RADIUS } from '../src/model/network.js';
import { Trainer, type StepStats } from '../src/model/trainer.js';

const USAGE = `node dist/web/tools/fgsm-flag-rate.js [--checkpoints 150,300,400,1000] [--lambda 0.1] [--alpha 0.1]
  [--covariance isotropic] [--mixture-lr 0.02] [--batch 32] [--seed 0] [--circle ${MEAN_CIRCLE_RADIUS}]
  [--eps 0.1,0.25,0.3] [--eval 300] [--digits 200]`;

const here = dirname(fileURLToPath(import.meta.url));
const SITE = resolve(here, '..', '..', '..', 'web', 'dist');

function numbers(flag: string, text: string, check: (v: number) => boolean): number[] {
  const values = text.split(',').map(Number);
  if (values.length === 0 || !values.every(check)) {
    throw new Error(`fgsmFlagRate: --${flag} got '${text}', which is out of range\n${USAGE}`);
  }
  return values;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoints: { type: 'string', default: '150,300,400,1000' },
      lambda: { type: 'string', default: '0.1' },
      alpha: { type: 'string', default: '0.1' },
      covariance: { type: 'string', default: 'isotropic' },
      'mixture-lr': { type: 'string', default: '0.02' },
      batch: { type: 'string', default: '32' },
      seed: { type: 'string', default: '0' },
      circle: { type: 'string', default: String(MEAN_CIRCLE_RADIUS) },
      eps: { type: 'string', default: '0.1,0.25,0.3' },
      eval: { type: 'string', default: '300' },
      digits: { type: 'string', default: '200' },
    },
    strict: true,
  });
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const count = (v: number) => Number.isInteger(v) && v > 0;
  const checkpoints = numbers('checkpoints', values.checkpoints, count).sort((a, b) => a - b);
  const [lambda] = numbers('lambda', values.lambda, (v) => v >= 0);
  const [alpha] = numbers('alpha', values.alpha, (v) => v >= 0);
  const [mixtureLearningRate] = numbers('mixture-lr', values['mixture-lr'], positive);
  const [batchSize] = numbers('batch', values.batch, count);
  const [seed] = numbers('seed', values.seed, (v) => Number.isInteger(v) && v >= 0);
  const [circle] = numbers('circle', values.circle, (v) => v >= 0);
  const epsList = numbers('eps', values.eps, (v) => v > 0 && v <= 1);
  const [evalSize] = numbers('eval', values.eval, (v) => count(v) && v <= 1000);
  const [digits] = numbers('digits', values.digits, (v) => count(v) && v <= 1000);
  const covariance = COVARIANCE_KINDS.find((k) => k === values.covariance);
  if (covariance === undefined) {
    throw new Error(`fgsmFlagRate: --covariance must be one of ${COVARIANCE_KINDS.join(', ')}\n${USAGE}`);
  }

  await initBackend('wasm');
  const [train, validation, test] = (['train', 'validation', 'test'] as const).map((s) => readSplit(SITE, s));
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  const evalSet = {
    x: datasetTensors(validation, { indices: first(evalSize) }).x,
    labels: validation.labels.slice(0, evalSize),
  };
  const testImages = datasetTensors(test, { indices: first(digits) }).x;
  const net = DigitNetwork.create({
    loss: 'lgm',
    covariance: covariance as CovarianceKind,
    seed,
    meanCircle: circle,
  });
  const setup = { lambda, alpha, covariance, mixtureLearningRate, batchSize, seed, circle, evalSize, digits };

  // Trains until the next checkpoint, then pauses (the page's own loop, driven from here).
  let target = 0;
  let reached: (stats: StepStats) => void = () => undefined;
  let failed: (error: unknown) => void = () => undefined;
  const trainer: Trainer = new Trainer(
    net,
    train,
    { batchSize, learningRate: 0.001, mixtureLearningRate, seed },
    () => ({ alpha, lambda }),
    async (stats) => {
      if (stats.batches >= target) {
        void trainer.pause();
        reached(stats);
      }
    },
    (error) => failed(error),
  );
  const started = Date.now();
  for (target of checkpoints) {
    const stats = await new Promise<StepStats>((done, fail) => {
      reached = done;
      failed = fail;
      trainer.start();
    });
    await trainer.pause();
    const evaluation = await evaluate(net, evalSet, 0.05);
    const rates = [];
    for (const eps of epsList) {
      const rate = await fgsmRate(net, testImages, evaluation.calibration, eps);
      rates.push({ eps, changed: rate.changed, flagged: rate.flagged, cleanFlagged: rate.cleanFlagged });
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(
      JSON.stringify({ ...setup, batches: stats.batches, seconds, accuracy: evaluation.accuracy, rates }),
    );
  }
  trainer.dispose();
  net.dispose();
  tf.dispose([evalSet.x, testImages]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
