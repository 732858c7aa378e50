/**
 * What the page shows after a number of batches, computed in Node by the page's own code (web/src/model on
 * lgm's Trainer, evaluate, FGSM) on the built site's MNIST subset (web/dist, from `npm run web:build`): the
 * browser tests open the page with the same settings and compare its numbers with these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { datasetTensors, type CovarianceKind, type ImageDataset } from 'lgm/core';
import { SUBSET_MANIFEST, type SubsetManifest } from '../src/data/manifest.js';
import { subsetDataset } from '../src/data/subset.js';
import { evaluate } from '../src/model/evaluate.js';
import { fgsmRate } from '../src/model/fgsm-rate.js';
import { DigitNetwork, type LossKind } from '../src/model/network.js';
import { createStepTrainer } from '../src/model/trainer.js';

/** One split of the built site's MNIST subset. */
export function readSplit(site: string, name: 'train' | 'validation' | 'test'): ImageDataset {
  const manifest = JSON.parse(readFileSync(join(site, SUBSET_MANIFEST), 'utf8')) as SubsetManifest;
  const split = manifest.splits[name];
  const read = (file: string) => new Uint8Array(gunzipSync(readFileSync(join(site, file))));
  return subsetDataset(name, split, manifest.height * manifest.width, read(split.images), read(split.labels));
}

/** The page's settings that the numbers depend on. */
export interface PageSetup {
  loss: LossKind;
  covariance: CovarianceKind;
  batches: number;
  batchSize: number;
  /** Validation digits evaluated and calibrated on. */
  evalSize: number;
  /** Test digits the FGSM rate is measured on. */
  rateDigits: number;
  seed: number;
  alpha: number;
  lambda: number;
  eps: number;
  learningRate: number;
  mixtureLearningRate: number;
  flagRate: number;
}

export interface PageNumbers {
  /** Loss of every batch. */
  losses: number[];
  /** Validation accuracy, threshold and the mixture's means (row-major) after the last batch. */
  accuracy: number;
  threshold: number;
  means: number[];
  rate: { changed: number; flagged: number; cleanFlagged: number };
}

/** Trains a fresh network as the page does for `setup.batches` batches and evaluates it (backend: the caller's). */
export async function pageNumbers(site: string, setup: PageSetup): Promise<PageNumbers> {
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  const validation = readSplit(site, 'validation');
  const test = readSplit(site, 'test');
  const net = DigitNetwork.create({ loss: setup.loss, covariance: setup.covariance, seed: setup.seed });
  const trainer = createStepTrainer(net, readSplit(site, 'train'), setup, () => setup);
  const evalSet = {
    x: datasetTensors(validation, { indices: first(setup.evalSize) }).x,
    labels: validation.labels.slice(0, setup.evalSize),
  };
  const testImages = datasetTensors(test, { indices: first(setup.rateDigits) }).x;
  try {
    const losses = Array.from({ length: setup.batches }, () => trainer.step().loss);
    const evaluation = await evaluate(net, evalSet, setup.flagRate);
    const rate = await fgsmRate(net, testImages, evaluation.calibration, setup.eps);
    return {
      losses,
      accuracy: evaluation.accuracy,
      threshold: evaluation.calibration.threshold,
      means: evaluation.calibration.mixture.means.flat(),
      rate: { changed: rate.changed, flagged: rate.flagged, cleanFlagged: rate.cleanFlagged },
    };
  } finally {
    trainer.dispose();
    net.dispose();
    tf.dispose([evalSet.x, testImages]);
  }
}
