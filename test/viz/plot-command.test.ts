import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plotCommand } from '../../src/cli/commands/plot.js';
import { syntheticRun, writeRunDir, removeRunDirs } from './fixtures.js';
import { capture } from '../helpers/console.js';

after(removeRunDirs);

/** Runs the command with console.log captured. */
async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const { code, lines } = await capture(() => plotCommand.run(argv));
  return { code, out: lines };
}

test('lgm plot features writes SVG and PNG into the run directory; panel writes to --out', async () => {
  const a = syntheticRun(31, { n: 40, k: 3 });
  const dirA = await writeRunDir({ features: a.run, mixture: a.mixture });
  const dirB = await writeRunDir({ features: syntheticRun(32, { n: 40, k: 3 }).run });
  const { code, out } = await run(['features', dirA]);
  assert.equal(code, 0);
  assert.deepEqual(out, [join(dirA, 'feature-space.svg'), join(dirA, 'feature-space.png')]);
  const panel = await run(['panel', dirA, dirB, '--out', join(dirB, 'both'), '--format', 'svg']);
  assert.deepEqual(panel.out, [join(dirB, 'both.svg')]);
  const svg = await readFile(join(dirB, 'both.svg'), 'utf8');
  assert.equal((svg.match(/class="sigma-ellipse"/g) ?? []).length, 6, 'only the L-GM run has ellipses');
});

test('lgm plot likelihood takes --adversarial; report prints what it wrote and skipped', async () => {
  const { run: r, mixture } = syntheticRun(34, { n: 40, k: 3 });
  const dir = await writeRunDir({ features: r, mixture });
  const advFile = join(dir, 'adv.json');
  await writeFile(advFile, JSON.stringify({ features: [[0, 0]] }));
  const { out } = await run([
    'likelihood',
    dir,
    '--adversarial',
    advFile,
    '--format',
    'svg',
    '--backend',
    'cpu',
  ]);
  assert.deepEqual(out, [join(dir, 'likelihood-map.svg')]);
  assert.ok((await readFile(out[0], 'utf8')).includes('>adversarial</text>'));
  await writeFile(advFile, JSON.stringify({ images: [] }));
  await assert.rejects(
    run(['likelihood', dir, '--adversarial', advFile, '--backend', 'cpu']),
    /plot likelihood: .*adv.json must have a features field \(\[M\]\[2\] numbers\), got none/,
  );
  await assert.rejects(
    run(['features', dir, '--adversarial', advFile]),
    /plot features: --adversarial must only be given/,
  );
  const report = await run(['report', dir, '--format', 'png', '--backend', 'cpu']);
  const parts = JSON.parse(report.out.join('\n')).parts as { part: string; status: string }[];
  assert.deepEqual(
    parts.filter((p) => p.status === 'skipped').map((p) => p.part),
    ['detection table', 'ROC curves', 'training curves'],
  );
});

test('lgm plot errors: unknown kind, missing run dir, missing features, panel without --out, unknown flag', async () => {
  const empty = await writeRunDir({});
  await assert.rejects(
    run(['scatter', empty]),
    /plot: kind must be one of features, panel, likelihood, roc, curves, report, got 'scatter'/,
  );
  await assert.rejects(run(['features']), /plot features: --run must name a run directory, got nothing/);
  await assert.rejects(
    run(['features', empty]),
    /readRunFeatures: .*features.json must exist \(written by lgm train and lgm eval\), got no such file/,
  );
  await assert.rejects(run(['panel', empty]), /plot panel: --out must be given/);
  await assert.rejects(
    run(['roc', empty]),
    /readDetection: .*detection.json must exist \(written by lgm detect\), got no such file/,
  );
  await assert.rejects(
    run(['features', empty, '--colour', 'red']),
    (err: Error) => 'code' in err && /colour/.test(err.message),
  );
  await assert.rejects(
    run(['features', empty, empty]),
    /plot features: run directories must be exactly one, got 2/,
  );
  const { run: r } = syntheticRun(33, { n: 20, k: 3 });
  await assert.rejects(
    run(['likelihood', await writeRunDir({ features: r })]),
    /plot likelihood: run directory .* must contain mixture.json \(L-GM runs only\), got none/,
  );
});
