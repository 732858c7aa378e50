import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plotCommand } from '../../src/cli/commands/plot.js';
import { syntheticRun, writeRunDir } from './fixtures.js';

/** Runs the command with console.log captured. */
async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void out.push(args.join(' '));
  try {
    return { code: await plotCommand.run(argv), out };
  } finally {
    console.log = log;
  }
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

test('lgm plot errors: unknown kind, missing run dir, missing features, panel without --out, unknown flag', async () => {
  const empty = await writeRunDir({});
  await assert.rejects(
    run(['scatter', empty]),
    /plot: kind must be one of features, panel, likelihood, roc, curves, report, got 'scatter'/,
  );
  await assert.rejects(run(['features']), /plot features: a run directory must be given, got none/);
  await assert.rejects(run(['features', empty]), /must contain features.json/);
  await assert.rejects(run(['panel', empty]), /plot panel: --out must be given/);
  await assert.rejects(run(['roc', empty]), /detection.json: file must exist, got no such file/);
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
