import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { reproduce } from '../../src/reproduce/index.js';
import { ReproductionSummary, summarizeReproductions } from '../../src/reproduce/summary.js';
import { meanAndSpread, summaryMarkdown } from '../../src/reproduce/summary-markdown.js';
import { reproduceCommand } from '../../src/cli/commands/reproduce.js';
import { capture } from '../helpers/console.js';

await initBackend('wasm');

test('meanAndSpread: mean and sample standard deviation of the finite values', () => {
  assert.deepEqual(meanAndSpread([1, 2, 3]), { mean: 2, sd: 1, n: 3 });
  assert.deepEqual(meanAndSpread([4, null]), { mean: 4, sd: 0, n: 1 });
  assert.equal(meanAndSpread([null]), null);
});

test('reproduce summary: two seeds of the tiny budget give per-seed test errors and AUROCs, all and successful adversarial sets', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lgm-summary-'));
  try {
    const variants = ['softmax-2d', 'lgm-2d'];
    for (const seed of [0, 1]) {
      const outDir = join(root, `seed-${seed}`);
      const result = await reproduce({
        experiment: 'mnist',
        budget: 'tiny',
        outDir,
        seed,
        variants,
        log: () => {},
      });
      assert.equal(result.completed, true);
    }
    const summary = await summarizeReproductions([join(root, 'seed-0'), join(root, 'seed-1')]);
    assert.equal(summary.budget, 'tiny');
    assert.deepEqual(
      summary.models.map((m) => [m.name, m.loss, m.featureDim, m.seeds]),
      [
        ['softmax-2d', 'softmax', 2, [0, 1]],
        ['lgm-2d', 'lgm', 2, [0, 1]],
      ],
    );
    const lgm = summary.models[1];
    assert.equal(lgm.testError.length, 2);
    assert.ok(lgm.testError.every((e) => e !== null && e >= 0 && e <= 100));
    assert.ok('lgm-class' in lgm.detection && 'kde-h1.5' in lgm.detection);
    assert.ok(!('lgm-class' in summary.models[0].detection));
    const sets = Object.keys(lgm.detection.msp);
    assert.ok(sets.includes('fgsm-all') && sets.includes('gaussian'), sets.join(', '));
    for (const values of Object.values(lgm.detection.msp)) {
      assert.equal(values.length, 2);
      assert.ok(values.every((v) => v === null || (v >= 0 && v <= 100)));
    }
    // Attack success per seed, read back from each run's adversarial/<attack>.json.
    assert.deepEqual(Object.keys(lgm.attackSuccess ?? {}), ['fgsm', 'bim', 'deepfool', 'cw']);
    for (const values of Object.values(lgm.attackSuccess ?? {})) {
      assert.equal(values.length, 2);
      assert.ok(
        values.every((v) => v !== null && v >= 0 && v <= 100),
        values.join(', '),
      );
    }
    const fgsm0 = JSON.parse(
      await readFile(join(root, 'seed-0', 'runs', 'lgm-2d', 'adversarial', 'fgsm.json'), 'utf8'),
    ) as { successRate: number };
    assert.ok(Math.abs((lgm.attackSuccess?.fgsm[0] ?? NaN) - 100 * fgsm0.successRate) < 1e-3);
    // The CLI writes the same summary and its markdown.
    const out = join(root, 'summary');
    const { code } = await capture(() =>
      reproduceCommand.run(['summary', '--out', out, join(root, 'seed-0'), join(root, 'seed-1')]),
    );
    assert.equal(code, 0);
    const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as ReproductionSummary;
    assert.deepEqual(
      written.models.map((m) => m.testError),
      summary.models.map((m) => m.testError),
    );
    assert.match(await readFile(join(out, 'summary.md'), 'utf8'), /\| lgm-2d \| 2 \| L-GM identity/);
    const markdown = summaryMarkdown(summary);
    assert.match(markdown, /## lgm-2d: AUROC %/);
    assert.match(markdown, /\| lgm-2d \| 0, 1 \| L-GM class likelihood \| [0-9.]+ ± [0-9.]+/);
    assert.match(markdown, /\| softmax-2d \| 0, 1 \| max softmax \|/);
    assert.doesNotMatch(markdown, /\| softmax-2d \| 0, 1 \| L-GM class/);
    assert.match(markdown, /\| softmax-2d \| 0, 1 \| energy \|/);
    assert.doesNotMatch(markdown, /\| lgm-2d \| 0, 1 \| energy \|/);
    assert.match(markdown, /\| model \| seeds \| FGSM \| BIM \| DeepFool \| C&W \|/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('reproduce summary: directories of different budgets are refused', async () => {
  await assert.rejects(summarizeReproductions([]), /needs at least one directory/);
  const root = await mkdtemp(join(tmpdir(), 'lgm-summary-bad-'));
  try {
    await assert.rejects(summarizeReproductions([root]), /progress.json/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('summaryMarkdown: the headline table shows all / successful, one number where they read the same, and a dash for a missing seed', () => {
  const summary: ReproductionSummary = {
    format: 'lgm-summary-1',
    experiment: 'mnist',
    budget: 'full',
    models: [
      {
        name: 'lgm-2d',
        description: 'L-GM',
        featureDim: 2,
        loss: 'lgm',
        seeds: [0, 1],
        testError: [1, 0.5],
        detection: {
          'lgm-class': {
            'fgsm-all': [90, 92],
            'fgsm-successful': [95, 97],
            'bim-all': [80, null],
            'bim-successful': [80, null],
            gaussian: [null, null],
          },
        },
        attackSuccess: { fgsm: [50, 70] },
      },
      {
        name: 'softmax-2d',
        description: 'softmax',
        featureDim: 2,
        loss: 'softmax',
        seeds: [0],
        testError: [1.2],
        detection: { msp: { 'fgsm-all': [70], 'cw-all': [60], mnist: [99] } },
      },
    ],
  };
  const markdown = summaryMarkdown(summary);
  // Columns: the sets of every model, in the order they first appear.
  assert.match(markdown, /\| model \| seeds \| detector \| FGSM \| BIM \| C&W \| gaussian \| mnist \|/);
  assert.match(
    markdown,
    /\| lgm-2d \| 0, 1 \| L-GM class likelihood \| 91.0 ± 1.4 \/ 96.0 ± 1.4 \| 80.0 \| - \| - \| - \|/,
  );
  assert.match(markdown, /\| softmax-2d \| 0 \| max softmax \| 70.0 \| - \| 60.0 \| - \| 99.0 \|/);
  assert.match(markdown, /\| softmax-2d \| 0 \| - \|/); // no attack success recorded
  assert.match(markdown, /\| lgm-2d \| 0, 1 \| 60.0 ± 14.1 \|/);
  assert.match(markdown, /\| lgm-2d \| 2 \| L-GM \| 0, 1 \| 0.75 ± 0.35 \(2\) \|/);
});
