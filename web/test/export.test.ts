/**
 * Train in Node, ship to the browser: a model trained by `lgm train` (a 2-D MLP on 500 MNIST images, seconds)
 * and written by `lgm export` opens in the page (?model=<url>), and the page's numbers on its first 100 test
 * digits, computed by loadLgmModel in Chromium, equal Node's loadLgmModel on the same pixels. Then a digit and
 * FGSM work on it at once, and "Start from the trained model" either loads the shipped model or says it is not
 * shipped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { ROOT, openApp, screenshot, startSession, type Session } from './harness.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const DIST = join(ROOT, 'web', 'dist');
const COUNT = 100;

function lgm(...args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args, '--backend', 'cpu'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lgm ${args[0]} exited with ${r.status}: ${r.stderr}`);
}

/** The first COUNT test digits of the page's MNIST subset (pixels / 255) and their labels. */
function subsetTestDigits(): { pixels: Float32Array; labels: number[] } {
  const manifest = JSON.parse(readFileSync(join(DIST, 'mnist-subset.json'), 'utf8')) as {
    splits: { test: { images: string; labels: string } };
  };
  const images = gunzipSync(readFileSync(join(DIST, manifest.splits.test.images)));
  const labels = gunzipSync(readFileSync(join(DIST, manifest.splits.test.labels)));
  return {
    pixels: Float32Array.from(images.subarray(0, COUNT * 784), (v) => v / 255),
    labels: Array.from(labels.subarray(0, COUNT)),
  };
}

/** Node's numbers: lgm's own loader (from the built package) on the same digits, on the cpu backend. */
async function nodeNumbers(dir: string) {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = (await import(join(ROOT, 'dist', 'src', 'backend', 'index.js'))) as {
    initBackend(name: string): Promise<string>;
  };
  const { loadLgmModel } = (await import(join(ROOT, 'dist', 'src', 'export', 'lgm-model.js'))) as {
    loadLgmModel(path: string): Promise<{
      predict(x: unknown): Promise<{ class: number; score: number; unfamiliar: boolean }[]>;
      dispose(): void;
    }>;
  };
  await initBackend('cpu');
  const { pixels, labels } = subsetTestDigits();
  const model = await loadLgmModel(dir);
  const x = tf.tensor4d(pixels, [COUNT, 28, 28, 1]);
  const predictions = await model.predict(x);
  x.dispose();
  model.dispose();
  return {
    accuracy: predictions.filter((p, i) => p.class === labels[i]).length / COUNT,
    flagged: predictions.filter((p) => p.unfamiliar).length,
    classes: predictions.map((p) => p.class),
    scores: predictions.map((p) => p.score),
  };
}

describe('an lgm export in the browser (Chromium)', { timeout: 300_000 }, () => {
  let session: Session;
  let page: Page;
  let errors: string[];
  let work: string;
  let exportDir: string;

  before(async () => {
    if (!existsSync(CLI)) throw new Error(`browser tests: ${CLI} is missing: run \`npm run build\` first`);
    work = mkdtempSync(join(tmpdir(), 'lgm-web-export-'));
    const run = join(work, 'run');
    lgm(
      ...`train --out ${run} --quiet --dataset mnist --train-limit 500 --test-limit 100 --net mlp --hidden 32`.split(
        ' ',
      ),
      ...'--feature-dim 2 --loss lgm --optimizer adam --lr 0.003 --epochs 4 --batch-size 50 --seed 2'.split(
        ' ',
      ),
    );
    // Served by the preview server, which lists its folder when it starts: write before the session.
    exportDir = mkdtempSync(join(DIST, 'test-export-'));
    lgm('export', '--run', run, '--out', exportDir, '--flag-rate', '0.05');
    session = await startSession();
  });

  after(async () => {
    await session?.close();
    rmSync(work, { recursive: true, force: true });
    if (exportDir !== undefined) rmSync(exportDir, { recursive: true, force: true });
  });

  test('the page opens the export and gets the numbers Node gets', async () => {
    const url = `./${basename(exportDir)}/model.json`;
    ({ page, errors } = await openApp(session, `?backend=cpu&batch=32&eval=100&evalEvery=5&model=${url}`));
    await page.waitForSelector('#export-check[data-accuracy]', { timeout: 60_000 });
    const attr = async (name: string) => (await page.getAttribute('#export-check', `data-${name}`)) ?? '';
    const browser = {
      accuracy: Number(await attr('accuracy')),
      flagged: Number(await attr('flagged')),
      classes: (await attr('classes')).split(',').map(Number),
      scores: (await attr('scores')).split(',').map(Number),
    };
    const node = await nodeNumbers(exportDir);
    console.log(
      `# accuracy ${browser.accuracy} (node ${node.accuracy}), flagged ${browser.flagged} (node ${node.flagged})`,
    );
    assert.deepEqual(browser.classes, node.classes);
    assert.equal(browser.accuracy, node.accuracy);
    assert.equal(browser.flagged, node.flagged);
    browser.scores.forEach((s, i) =>
      assert.ok(
        Math.abs(s - node.scores[i]) <= 1e-4 * Math.max(1, Math.abs(s)),
        `${i}: ${s} vs ${node.scores[i]}`,
      ),
    );
    assert.ok(node.accuracy > 0.5, `a trained model: accuracy ${node.accuracy}`);
    assert.match((await page.textContent('#model-status')) ?? '', /^Loaded from .*model\.json: lgm network/);
    await screenshot(page, 'export-1-loaded');
  });

  test('a test digit and FGSM work on the loaded model at once', async () => {
    await page.click('#test-digit');
    await page.waitForSelector('#prediction[data-class]', { timeout: 30_000 });
    await page.click('#fgsm');
    await page.waitForSelector('#fgsm-result[data-unfamiliar]', { timeout: 60_000 });
    assert.match((await page.textContent('#fgsm-result')) ?? '', /^FGSM with ε = 0\.25: prediction \d → \d/);
    await screenshot(page, 'export-2-fgsm');
  });

  test('"Start from the trained model" loads the shipped model, or says it is not shipped', async () => {
    await page.click('#trained');
    const shipped = existsSync(join(DIST, 'pretrained', 'mnist-lgm-2d', 'model.json'));
    if (shipped) {
      await page.waitForSelector('#train-status:has-text("Started from the trained model")', {
        timeout: 60_000,
      });
      assert.ok(Number(await page.getAttribute('#export-check', 'data-accuracy')) > 0.9);
    } else {
      await page.waitForSelector('#train-status:has-text("not shipped with this build")', {
        timeout: 30_000,
      });
    }
  });

  test('no errors in the page', () => {
    // The 404 of the trained model's URL (when it is not shipped) is the one expected console error.
    assert.deepEqual(
      errors.filter((e) => !/404/.test(e)),
      [],
    );
  });
});
