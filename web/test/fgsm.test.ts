/**
 * FGSM against the unfamiliar-input flag, in a real browser, for a network the page trains with its defaults
 * (L-GM, isotropic covariance, alpha 0.1, lambda 0.1) long enough for the Gaussians to separate: 300 batches of
 * 32, about 2 minutes on 2 CPU cores with wasm. The page's rate on 100 test digits must be well above the rate at
 * which the same clean digits are flagged, and among the test digits one whose clean version is familiar must
 * be flagged once attacked. Numbers measured in Node with the same code are in docs/web.md.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { appSession, screenshot } from './harness.js';

// Evaluations (100 validation digits) every 50 batches only: they are not what this test is about.
const QUERY = '?batch=32&eval=100&evalEvery=50';
const TRAIN_BATCHES = 300;
/** Test digits tried before giving up on finding a flagged FGSM example (about 20-70% are flagged). */
const MAX_DIGITS = 40;

const attr = async (page: Page, selector: string, name: string) => page.getAttribute(selector, name);

describe('FGSM and the unfamiliar-input flag (Chromium)', { timeout: 720_000 }, () => {
  const app = appSession(QUERY);

  test(`trains ${TRAIN_BATCHES} batches`, async () => {
    const started = Date.now();
    await app.page.click('#start');
    // 2 min 15 s here at 75 images/s; slower CI machines (30 images/s under load) get 9 minutes.
    await app.page.waitForSelector(`#val-acc[data-batches="${TRAIN_BATCHES}"]`, { timeout: 540_000 });
    await app.page.click('#start');
    await app.page.waitForSelector('#train-status:has-text("Paused")', { timeout: 60_000 });
    const accuracy = Number(await attr(app.page, '#val-acc', 'data-value'));
    const seconds = (Date.now() - started) / 1000;
    console.log(`# ${TRAIN_BATCHES}+ batches in ${seconds.toFixed(0)} s; validation accuracy ${accuracy}`);
    assert.ok(accuracy > 0.8, `validation accuracy after ${TRAIN_BATCHES} batches: ${accuracy}`);
  });

  test('the flag fires on FGSM images far more often than on clean digits', async () => {
    await app.page.click('#test-digit');
    await app.page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    await app.page.click('#fgsm');
    await app.page.waitForSelector('#fgsm-rate[data-flagged]', { timeout: 120_000 });
    const flagged = Number(await attr(app.page, '#fgsm-rate', 'data-flagged'));
    const clean = Number(await attr(app.page, '#fgsm-rate', 'data-clean-flagged'));
    const text = (await app.page.textContent('#fgsm-rate')) ?? '';
    console.log(`# ${text}`);
    assert.match(text, /^On 100 test digits after \d+ batches, FGSM with ε = 0\.25 changed/);
    assert.ok(flagged >= 0.15 && flagged >= clean + 0.1, `FGSM flagged ${flagged}, clean ${clean}`);
  });

  test('an FGSM example of a familiar digit fires the flag', async () => {
    let found = false;
    for (let tried = 0; tried < MAX_DIGITS && !found; tried++) {
      if (tried > 0) {
        await app.page.click('#test-digit');
        // A new input clears the previous FGSM result.
        await app.page.waitForSelector('#fgsm-result:not([data-unfamiliar])', {
          state: 'attached',
          timeout: 30_000,
        });
        await app.page.click('#fgsm');
      }
      await app.page.waitForSelector('#fgsm-result[data-unfamiliar]', { state: 'attached', timeout: 30_000 });
      const cleanFlag = await attr(app.page, '#flag', 'data-unfamiliar');
      found = cleanFlag === 'false' && (await attr(app.page, '#fgsm-result', 'data-unfamiliar')) === 'true';
      if (found)
        console.log(`# after ${tried + 1} test digits: ${await app.page.textContent('#fgsm-result')}`);
    }
    assert.ok(found, `no flagged FGSM example of a familiar digit among ${MAX_DIGITS} test digits`);
    assert.match((await app.page.textContent('#fgsm-result')) ?? '', /the unfamiliar-input flag fires\.$/);
    assert.match((await app.page.textContent('#flag')) ?? '', /Familiar input/);
    await screenshot(app.page, '6-fgsm-flag-fires');
  });

  test('no errors in the page', () => {
    assert.deepEqual(app.errors, []);
  });
});
