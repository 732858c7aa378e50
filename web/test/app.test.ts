/**
 * The app in a real browser: it loads, says which backend it uses, trains a few batches with accuracy rising
 * and the plot redrawn, predicts a drawn stroke, makes an FGSM example, saves/loads/exports/imports the model,
 * and works from the keyboard. Screenshots go to web/test-artifacts/.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { appSession, canvasPixels, screenshot } from './harness.js';

// Small settings keep the test short on a CPU-only machine: 32-image batches, 100 validation digits,
// an evaluation (and plot redraw) every 5 batches.
const QUERY = '?batch=32&eval=100&evalEvery=5';
const TRAIN_BATCHES = 20;
const MAX_BATCHES = 60;

const numberAttr = async (page: Page, selector: string, name: string) =>
  Number(await page.getAttribute(selector, name));

describe('web app (Chromium)', { timeout: 300_000 }, () => {
  const app = appSession(QUERY, { acceptDownloads: true });

  test('says which backend it uses', async () => {
    const backend = await app.page.getAttribute('#backend', 'data-backend');
    assert.ok(['webgpu', 'webgl', 'wasm', 'cpu'].includes(backend ?? ''), `backend attribute: ${backend}`);
    const text = (await app.page.textContent('#backend')) ?? '';
    if (backend === 'webgpu' || backend === 'webgl') assert.match(text, /^Backend: Web(GPU|GL) on the GPU/);
    else assert.match(text, /No fast \(GPU\) backend is available/);
    console.log(`# backend: ${text}`);
    await screenshot(app.page, '1-loaded');
  });

  test('training raises validation accuracy and redraws the plot', async () => {
    const before = await numberAttr(app.page, '#val-acc', 'data-value');
    const pixelsBefore = await canvasPixels(app.page, '#plot');
    const redrawsBefore = await numberAttr(app.page, '#plot', 'data-redraws');
    await app.page.click('#start');
    // Until TRAIN_BATCHES are trained and the accuracy has risen by 5 points, or MAX_BATCHES are trained.
    await app.page.waitForFunction(
      ([start, min, max]) => {
        const acc = document.querySelector('#val-acc');
        const batches = Number(acc?.getAttribute('data-batches'));
        const risen = Number(acc?.getAttribute('data-value')) > start + 0.05;
        return (batches >= min && risen) || batches >= max;
      },
      [before, TRAIN_BATCHES, MAX_BATCHES],
      { timeout: 240_000, polling: 500 },
    );
    await app.page.click('#start');
    await app.page.waitForSelector('#train-status:has-text("Paused")', { timeout: 60_000 });
    const afterTraining = await numberAttr(app.page, '#val-acc', 'data-value');
    const batches = await numberAttr(app.page, '#val-acc', 'data-batches');
    const ips = (await app.page.textContent('#ips')) ?? '';
    console.log(`# accuracy ${before} -> ${afterTraining} after ${batches} batches of 32; ${ips} images/s`);
    assert.ok(afterTraining > before + 0.05, `accuracy must rise by > 0.05: ${before} -> ${afterTraining}`);
    assert.ok(
      (await numberAttr(app.page, '#plot', 'data-redraws')) > redrawsBefore + 2,
      'plot redrawn while training',
    );
    assert.notEqual(await canvasPixels(app.page, '#plot'), pixelsBefore, 'plot pixels changed');
    await screenshot(app.page, '2-trained');
  });

  test('a drawn stroke gets a prediction, posterior, likelihood and flag', async () => {
    const box = await app.page.locator('#pad').boundingBox();
    assert.ok(box !== null);
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    // A "7": top bar, then the diagonal.
    await app.page.mouse.move(...at(0.3, 0.25));
    await app.page.mouse.down();
    for (const [fx, fy] of [
      [0.7, 0.25],
      [0.6, 0.5],
      [0.48, 0.8],
    ]) {
      await app.page.mouse.move(...at(fx, fy), { steps: 8 });
    }
    await app.page.mouse.up();
    await app.page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    const predicted = Number(await app.page.getAttribute('#prediction', 'data-class'));
    assert.ok(predicted >= 0 && predicted <= 9);
    assert.equal(await app.page.locator('#posterior li').count(), 10);
    assert.match((await app.page.textContent('#likelihood')) ?? '', /Log-likelihood of its feature: -?\d/);
    assert.match((await app.page.textContent('#flag')) ?? '', /(Unfamiliar|Familiar) input/);
    await screenshot(app.page, '3-drawn');
  });

  test('FGSM makes an adversarial example and reports the flag', async () => {
    await app.page.click('#fgsm');
    await app.page.waitForSelector('#fgsm-result[data-unfamiliar]', { timeout: 60_000 });
    const text = (await app.page.textContent('#fgsm-result')) ?? '';
    assert.match(text, /^FGSM with ε = 0\.25: prediction \d → \d/);
    assert.match(text, /the unfamiliar-input flag fires\.|the flag does not fire\./);
    console.log(`# ${text}`);
    await screenshot(app.page, '4-fgsm');
  });

  test('saves to and loads from IndexedDB', async () => {
    const accuracy = await app.page.getAttribute('#val-acc', 'data-value');
    await app.page.click('#save');
    await app.page.waitForSelector('#model-status:has-text("Saved in this browser")', { timeout: 30_000 });
    await app.page.click('#reset');
    await app.page.waitForSelector('#val-acc[data-batches="0"]', { timeout: 60_000 });
    await app.page.click('#load');
    await app.page.waitForSelector('#model-status:has-text("Loaded from this browser")', { timeout: 60_000 });
    assert.equal(
      await app.page.getAttribute('#val-acc', 'data-value'),
      accuracy,
      'same accuracy after loading',
    );
  });

  test('exports files and imports them', async () => {
    const accuracy = await app.page.getAttribute('#val-acc', 'data-value');
    // The exported files go to a temporary folder (not the artefacts, whose JSON the lint would check).
    const folder = mkdtempSync(join(tmpdir(), 'lgm-web-export-'));
    try {
      const downloads: Promise<string>[] = [];
      app.page.on('download', (download) => {
        const path = join(folder, download.suggestedFilename());
        downloads.push(download.saveAs(path).then(() => path));
      });
      await app.page.click('#export');
      await app.page.waitForSelector('#model-status:has-text("Exported")', { timeout: 30_000 });
      for (let waited = 0; downloads.length < 2 && waited < 30_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const files = await Promise.all(downloads);
      assert.deepEqual(files.map((f) => f.split('/').pop()).sort(), [
        'lgm-web-model.json',
        'lgm-web-model.weights.bin',
      ]);
      await app.page.click('#reset');
      await app.page.waitForSelector('#val-acc[data-batches="0"]', { timeout: 60_000 });
      await app.page.setInputFiles('#import', files);
      await app.page.waitForSelector('#model-status:has-text("Loaded from lgm-web-model")', {
        timeout: 60_000,
      });
      assert.equal(
        await app.page.getAttribute('#val-acc', 'data-value'),
        accuracy,
        'same accuracy after importing',
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('works from the keyboard', async () => {
    await app.page.click('#clear');
    await app.page.focus('#clear');
    await app.page.keyboard.press('Tab');
    assert.equal(await app.page.evaluate(() => document.activeElement?.id), 'test-digit');
    await app.page.keyboard.press('Enter');
    await app.page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    await app.page.keyboard.press('Tab');
    assert.equal(await app.page.evaluate(() => document.activeElement?.id), 'eps');
    await screenshot(app.page, '5-keyboard');
  });

  test('no errors in the page', () => {
    assert.deepEqual(app.errors, []);
  });
});
