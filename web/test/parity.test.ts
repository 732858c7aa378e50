/**
 * The page and Node compute the same numbers: a fresh network trained for 20 batches in Chromium (lgm's Trainer
 * step, one batch per animation frame) has the loss, validation accuracy, calibrated threshold, Gaussian means
 * and FGSM flag rate that the same code gives in Node on the cpu backend (web/tools/page-numbers.ts), for L-GM
 * (the head's mixture) and for softmax (Gaussians fitted by src/detect's fitClassGaussians).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, appSession } from './harness.js';

const BATCHES = 20;
const QUERY = `?batch=32&eval=100&evalEvery=${BATCHES}&stopAfter=${BATCHES}`;

interface NodeNumbers {
  losses: number[];
  accuracy: number;
  threshold: number;
  means: number[];
  rate: { changed: number; flagged: number; cleanFlagged: number };
}

/** Node's numbers for the page's settings above and its defaults (seed 0, alpha = lambda = 0.1, eps 0.25). */
async function nodeNumbers(loss: 'lgm' | 'softmax'): Promise<NodeNumbers> {
  const { initBackend } = (await import(join(ROOT, 'dist', 'src', 'backend', 'index.js'))) as {
    initBackend(name: string): Promise<string>;
  };
  const { pageNumbers } = (await import(join(ROOT, 'dist', 'web', 'tools', 'page-numbers.js'))) as {
    pageNumbers(site: string, setup: Record<string, unknown>): Promise<NodeNumbers>;
  };
  await initBackend('cpu');
  return pageNumbers(join(ROOT, 'web', 'dist'), {
    loss,
    covariance: 'isotropic',
    batches: BATCHES,
    batchSize: 32,
    evalSize: 100,
    rateDigits: 100,
    seed: 0,
    alpha: 0.1,
    lambda: 0.1,
    eps: 0.25,
    learningRate: 0.001,
    mixtureLearningRate: 0.02,
    flagRate: 0.05,
  });
}

/** Trains until the page pauses itself, then reads the loss and the evaluation. */
async function trainedNumbers(page: Page) {
  await page.click('#start');
  await page.waitForSelector(`#train-status:has-text("Paused after ${BATCHES} batches")`, {
    timeout: 240_000,
  });
  const attr = async (selector: string, name: string) => (await page.getAttribute(selector, name)) ?? '';
  assert.equal(await attr('#loss-value', 'data-batches'), String(BATCHES));
  return {
    loss: Number(await attr('#loss-value', 'data-value')),
    accuracy: Number(await attr('#val-acc', 'data-value')),
    threshold: Number(await attr('#val-acc', 'data-threshold')),
    means: (await attr('#val-acc', 'data-means')).split(',').map(Number),
  };
}

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: page ${actual}, Node ${expected}`,
  );

function compare(pageSide: Awaited<ReturnType<typeof trainedNumbers>>, node: NodeNumbers): void {
  console.log(`# page loss ${pageSide.loss}, Node ${node.losses[BATCHES - 1]}`);
  near(pageSide.loss, node.losses[BATCHES - 1], 1e-3, 'loss');
  // wasm and cpu round differently: a digit on a decision boundary may go either way.
  near(pageSide.accuracy, node.accuracy, 0.02, 'accuracy');
  near(pageSide.threshold, node.threshold, 1e-2, 'threshold');
  assert.equal(pageSide.means.length, node.means.length);
  pageSide.means.forEach((m, i) => near(m, node.means[i], 1e-2, `mean ${i}`));
}

describe('the page and Node agree (Chromium)', { timeout: 600_000 }, () => {
  const app = appSession(QUERY);

  test(`L-GM: ${BATCHES} batches give Node's loss, accuracy, threshold, means and FGSM rate`, async () => {
    const pageSide = await trainedNumbers(app.page);
    const node = await nodeNumbers('lgm');
    compare(pageSide, node);
    await app.page.click('#test-digit');
    await app.page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    await app.page.click('#fgsm');
    await app.page.waitForSelector('#fgsm-rate[data-flagged]', { timeout: 120_000 });
    for (const [name, key] of [
      ['changed', 'data-changed'],
      ['flagged', 'data-flagged'],
      ['cleanFlagged', 'data-clean-flagged'],
    ] as const) {
      const value = Number(await app.page.getAttribute('#fgsm-rate', key));
      console.log(`# FGSM ${name}: page ${value}, Node ${node.rate[name]}`);
      near(value, node.rate[name], 0.03, `FGSM ${name} (of 100 digits)`);
    }
  });

  test(`softmax: the Gaussians fitted to its features are Node's`, async () => {
    await app.page.selectOption('#loss', 'softmax');
    await app.page.click('#reset');
    await app.page.waitForSelector('#val-acc[data-batches="0"]', { timeout: 60_000 });
    compare(await trainedNumbers(app.page), await nodeNumbers('softmax'));
  });

  test('no errors in the page', () => {
    assert.deepEqual(app.errors, []);
  });
});
