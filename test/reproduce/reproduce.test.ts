import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, mkdtemp, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { reproduce } from '../../src/reproduce/index.js';
import { loadDataset } from '../../src/data/registry.js';
import type { ProgressFile } from '../../src/reproduce/index.js';
import { writeCifar10 } from '../data/fixtures.js';
import { assertAgreedSets } from '../detect/agreed-sets.js';

const quiet = () => {};
await initBackend('wasm');
const hasFashion = await loadDataset('fashion-mnist', { split: 'test' }).then(
  () => true,
  () => false,
);

async function progressOf(outDir: string): Promise<ProgressFile> {
  return JSON.parse(await readFile(join(outDir, 'progress.json'), 'utf8')) as ProgressFile;
}

test('reproduce mnist (tiny budget) trains, attacks, detects every model and writes the report', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'lgm-repro-'));
  try {
    const before = tf.memory().numTensors;
    const result = await reproduce({
      experiment: 'mnist',
      budget: 'tiny',
      outDir,
      backend: 'wasm',
      log: quiet,
    });
    assert.equal(result.completed, true);
    assert.equal(tf.memory().numTensors, before);
    const runs = (await readdir(join(outDir, 'runs'))).sort();
    assert.deepEqual(runs, [
      'am-softmax-2d',
      'am-softmax-m0.1-2d',
      'arcface-2d',
      'arcface-m0.3-2d',
      'center-2d',
      'lgm-100d',
      'lgm-2d',
      'lgm-alpha0-2d',
      'lgm-diag-2d',
      'lgm-iso-2d',
      'lgm-lambda0-2d',
      'softmax-100d',
      'softmax-2d',
    ]);
    for (const run of runs) {
      for (const attack of ['fgsm', 'bim', 'deepfool', 'cw']) {
        assert.ok(existsSync(join(outDir, 'runs', run, 'adversarial', `${attack}.json`)), `${run} ${attack}`);
      }
      const detection = JSON.parse(await readFile(join(outDir, 'runs', run, 'detection.json'), 'utf8')) as {
        rows: { detector: string; inputSet: string; auroc: number }[];
      };
      const detectors = new Set(detection.rows.map((r) => r.detector));
      assert.equal(detectors.has('lgm-class'), run.startsWith('lgm'), run);
      for (const d of ['msp', 'energy', 'mahalanobis', 'kde']) assert.ok(detectors.has(d), `${run} ${d}`);
      const sets = new Set(detection.rows.map((r) => r.inputSet));
      for (const s of ['gaussian', 'uniform']) assert.ok(sets.has(s), `${run} ${s}`);
      // Fashion-MNIST is an OOD set where installed (Debian's dataset-fashion-mnist), else a note says so.
      assert.equal(sets.has('fashion-mnist'), hasFashion, run);
      assert.ok(detection.rows.every((r) => r.auroc >= 0 && r.auroc <= 1));
      assert.ok(existsSync(join(outDir, 'runs', run, 'report.md')));
      // The same sets, with the same meaning, as lgm attack + lgm detect write (test/detect/cli.test.ts).
      await assertAgreedSets(join(outDir, 'runs', run), ['fgsm', 'bim', 'deepfool', 'cw']);
      assert.ok(existsSync(join(outDir, 'runs', run, 'normalization.json')), `${run} normalization.json`);
    }
    const report = await readFile(join(outDir, 'report.md'), 'utf8');
    assert.match(report, /^# Reproduction: mnist, budget tiny/);
    assert.match(report, /\| \[lgm-diag-2d\]\(runs\/lgm-diag-2d\/report.md\) \| mlp \| 2 \| L-GM diagonal/);
    assert.match(report, /\*\*lgm-2d\*\* \(L-GM identity, alpha > 0, lambda > 0\)/);
    assert.match(report, /\| lgm-class \| [\d.]+ \/ [\d.]+ \|/);
    assert.match(report, /!\[feature spaces\]\(feature-panel.png\)/);
    assert.match(report, /!\[likelihood map\]\(likelihood-map.png\)/);
    assert.match(report, /TensorFlow.js core 4\.22\.0, layers 4\.22\.0; backend: wasm/);
    assert.match(report, /- Total: \*\*[\d.]+ (s|min)\*\*/);
    if (!hasFashion) assert.match(report, /detect\/softmax-2d: OOD set fashion-mnist skipped: /);
    for (const f of ['feature-panel.png', 'feature-panel.svg', 'likelihood-map.png']) {
      assert.ok(existsSync(join(outDir, f)), f);
    }
    // Same seed, same schedule: the configs differ only in the network width and the loss.
    const { plan } = await progressOf(outDir);
    const configs = Object.values((plan as { configs: Record<string, Record<string, unknown>> }).configs);
    const shared = configs.map((c) =>
      JSON.stringify({ ...c, net: null, loss: null, alpha: null, lambda: null }),
    );
    assert.equal(new Set(shared).size, 1);
    // The margin losses run at their face-recognition defaults and at margins a 2-D feature can meet.
    const lossOf = (name: string) =>
      (plan as { configs: Record<string, { loss: { name: string; options: Record<string, unknown> } }> })
        .configs[name].loss;
    assert.deepEqual(lossOf('am-softmax-2d'), { name: 'am-softmax', options: {} });
    assert.deepEqual(lossOf('am-softmax-m0.1-2d'), { name: 'am-softmax', options: { margin: 0.1 } });
    assert.deepEqual(lossOf('arcface-m0.3-2d'), { name: 'arcface', options: { margin: 0.3 } });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});

test('an interrupted reproduction continues where it stopped', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'lgm-repro-'));
  const variants = ['softmax-2d', 'lgm-2d'];
  try {
    const controller = new AbortController();
    // Stop as soon as the first attack is written: training is done, the rest is not.
    const log = (line: string) => {
      if (line.startsWith('attack ')) controller.abort();
    };
    const common = { experiment: 'mnist', budget: 'tiny', outDir, variants, backend: 'wasm' } as const;
    const first = await reproduce({ ...common, log, signal: controller.signal });
    assert.equal(first.completed, false);
    assert.equal(first.report, null);
    const partial = await progressOf(outDir);
    assert.deepEqual(Object.keys(partial.stages), [
      'train/softmax-2d',
      'train/lgm-2d',
      'attack/softmax-2d/fgsm',
    ]);
    assert.ok(!existsSync(join(outDir, 'report.md')));

    const lines: string[] = [];
    const second = await reproduce({ ...common, log: (l) => lines.push(l) });
    assert.equal(second.completed, true);
    assert.ok(!lines.some((l) => l.startsWith('train ') || l.startsWith('attack softmax-2d fgsm')));
    assert.ok(lines.some((l) => l.startsWith('attack softmax-2d bim: success')));
    const done = await progressOf(outDir);
    for (const key of Object.keys(partial.stages)) assert.deepEqual(done.stages[key], partial.stages[key]);
    assert.ok(existsSync(join(outDir, 'report.md')));

    // Collected results (bench/collect-results.sh) leave the test features out: a finished reproduction without
    // them keeps its report instead of failing on the pictures.
    const report = await readFile(join(outDir, 'report.md'), 'utf8');
    for (const v of variants) await rm(join(outDir, 'runs', v, 'features.json'));
    const kept: string[] = [];
    const third = await reproduce({ ...common, log: (l) => kept.push(l) });
    assert.equal(third.completed, true);
    assert.equal(third.report, join(outDir, 'report.md'));
    assert.ok(
      kept.some((l) =>
        / is complete; kept its report\.md \(softmax-2d, lgm-2d without features\.json/.test(l),
      ),
    );
    assert.equal(await readFile(join(outDir, 'report.md'), 'utf8'), report);

    await assert.rejects(
      reproduce({ ...common, seed: 1, log: quiet }),
      /reproduce: .* holds another plan \(use another --out, or the same options\), got differences:\n {2}configs\.lgm-2d\.seed: 0 in the run vs 1 given/,
    );
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});

test('reproduce cifar10 (tiny budget) runs ResNet-20 softmax vs L-GM on a generated CIFAR-10 set', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lgm-repro-cifar-'));
  try {
    const dataDir = await writeCifar10(root, 20);
    const outDir = join(root, 'out');
    const result = await reproduce({
      experiment: 'cifar10',
      budget: 'tiny',
      outDir,
      dataDir,
      backend: 'wasm',
      log: quiet,
    });
    assert.equal(result.completed, true);
    const report = await readFile(join(outDir, 'report.md'), 'utf8');
    assert.match(report, /^# Reproduction: cifar10, budget tiny/);
    assert.match(report, /\| \[softmax\]\(runs\/softmax\/report.md\) \| resnet20 \| 64 \| softmax \|/);
    assert.match(report, /\| \[lgm\]\(runs\/lgm\/report.md\) \| resnet20 \| 64 \| L-GM/);
    assert.ok(!/fashion-mnist/.test(report));
    assert.match(report, /\| msp \| [\d.]+ \/ [\d.]+ \|/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('reproduce validates its options', async () => {
  const outDir = join(tmpdir(), 'lgm-repro-never-written');
  await assert.rejects(
    reproduce({ experiment: 'imagenet' as never, outDir }),
    /reproduce: experiment must be one of mnist, cifar10, fashion-mnist, got 'imagenet'/,
  );
  await assert.rejects(
    reproduce({ experiment: 'mnist', budget: 'huge' as never, outDir }),
    /reproduce: budget must be one of tiny, quick, full, got 'huge'/,
  );
  await assert.rejects(
    reproduce({ experiment: 'cifar10', outDir }),
    /reproduce: cifar10 needs dataDir \(the cifar-10-batches-bin directory\), got none/,
  );
  await assert.rejects(
    reproduce({ experiment: 'mnist', outDir, variants: ['lgm-3d'] }),
    /reproduce: variants must be among softmax-2d, .*, lgm-100d, got 'lgm-3d'/,
  );
  await assert.rejects(reproduce({ experiment: 'mnist', outDir, bogus: 1 } as never), /reproduce: .*bogus/);
  assert.ok(!existsSync(outDir));
});

test(
  'reproduce fashion-mnist (tiny budget): softmax vs L-GM 100-D, MNIST as the OOD set',
  { skip: hasFashion ? false : 'Fashion-MNIST is not installed (Debian dataset-fashion-mnist)' },
  async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'lgm-repro-fashion-'));
    try {
      const result = await reproduce({ experiment: 'fashion-mnist', budget: 'tiny', outDir, log: quiet });
      assert.equal(result.completed, true);
      assert.deepEqual((await readdir(join(outDir, 'runs'))).sort(), ['lgm-100d', 'softmax-100d']);
      const detection = JSON.parse(
        await readFile(join(outDir, 'runs', 'lgm-100d', 'detection.json'), 'utf8'),
      ) as {
        rows: { inputSet: string }[];
      };
      const sets = new Set(detection.rows.map((r) => r.inputSet));
      assert.ok(sets.has('mnist') && !sets.has('fashion-mnist'), [...sets].join(', '));
      const progress = await progressOf(outDir);
      assert.equal(
        (progress.plan as { budget: { attacks: { fgsm: { epsilon: number } } } }).budget.attacks.fgsm.epsilon,
        0.1,
      );
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  },
);
