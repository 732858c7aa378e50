/**
 * The page and Node compute the same numbers with the same code (web/tools/page-numbers.ts runs it in Node on
 * the cpu backend): for a fresh seeded network, the validation accuracy, calibrated threshold, Gaussian means
 * (the L-GM head's; for softmax, fitted by src/detect's fitClassGaussians) and the FGSM rates on 100 test
 * digits; then the losses of its first batches, trained in Chromium by lgm's Trainer one batch per frame.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, appSession } from './harness.js';

/** Batches trained in the page (it pauses itself), whose losses are compared with Node's. */
const BATCHES = 3;
// Evaluations only at the start and when the page pauses.
const QUERY = `?batch=32&eval=100&evalEvery=1000&stopAfter=${BATCHES}`;

interface NodeNumbers {
  losses: number[];
  accuracy: number;
  threshold: number;
  means: number[];
  rate: { changed: number; flagged: number; cleanFlagged: number };
}

/** Node's numbers after `batches` for the page's settings above and its defaults (seed 0, α = λ = 0.1, ε 0.25). */
async function nodeNumbers(loss: 'lgm' | 'softmax', batches: number): Promise<NodeNumbers> {
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
    batches,
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

const attr = async (page: Page, selector: string, name: string) =>
  (await page.getAttribute(selector, name)) ?? '';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: page ${actual}, Node ${expected}`,
  );

/** The untrained network's evaluation on the page equals Node's (same weights; wasm vs cpu rounding). */
async function compareEvaluation(page: Page, node: NodeNumbers): Promise<void> {
  const accuracy = Number(await attr(page, '#val-acc', 'data-value'));
  const threshold = Number(await attr(page, '#val-acc', 'data-threshold'));
  const means = (await attr(page, '#val-acc', 'data-means')).split(',').map(Number);
  console.log(
    `# accuracy ${accuracy} (Node ${node.accuracy}), threshold ${threshold} (Node ${node.threshold})`,
  );
  near(accuracy, node.accuracy, 0.011, 'accuracy (100 digits)');
  near(threshold, node.threshold, 1e-3, 'threshold');
  assert.equal(means.length, node.means.length);
  means.forEach((m, i) => near(m, node.means[i], 1e-3, `mean ${i}`));
}

/** Trains until the page pauses itself; its first losses equal Node's. */
async function compareLosses(page: Page, node: NodeNumbers): Promise<void> {
  await page.click('#start');
  await page.waitForSelector(`#train-status:has-text("Paused after ${BATCHES} batches")`, {
    timeout: 240_000,
  });
  const losses = (await attr(page, '#loss-value', 'data-first')).split(',').map(Number);
  console.log(`# losses ${losses} (Node ${node.losses})`);
  assert.equal(losses.length, BATCHES);
  losses.forEach((loss, i) => near(loss, node.losses[i], 1e-4, `loss of batch ${i + 1}`));
}

describe('the page and Node agree (Chromium)', { timeout: 600_000 }, () => {
  const app = appSession(QUERY);

  test("L-GM: evaluation, FGSM rates and the first losses are Node's", async () => {
    const node = await nodeNumbers('lgm', 0);
    await compareEvaluation(app.page, node);
    await app.page.click('#test-digit');
    await app.page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    await app.page.click('#fgsm');
    await app.page.waitForSelector('#fgsm-rate[data-flagged]', { timeout: 120_000 });
    for (const [name, key] of [
      ['changed', 'data-changed'],
      ['flagged', 'data-flagged'],
      ['cleanFlagged', 'data-clean-flagged'],
    ] as const) {
      const value = Number(await attr(app.page, '#fgsm-rate', key));
      console.log(`# FGSM ${name}: page ${value}, Node ${node.rate[name]}`);
      near(value, node.rate[name], 0.021, `FGSM ${name} (of 100 digits)`);
    }
    await compareLosses(app.page, await nodeNumbers('lgm', BATCHES));
  });

  test("softmax: the Gaussians fitted to its features and the first losses are Node's", async () => {
    await app.page.selectOption('#loss', 'softmax');
    await app.page.click('#reset');
    await app.page.waitForSelector('#val-acc[data-batches="0"]', { timeout: 60_000 });
    await compareEvaluation(app.page, await nodeNumbers('softmax', 0));
    await compareLosses(app.page, await nodeNumbers('softmax', BATCHES));
  });

  test('no errors in the page', () => {
    assert.deepEqual(app.errors, []);
  });
});
