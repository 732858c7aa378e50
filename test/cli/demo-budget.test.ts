import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_DEFAULTS,
  WASM_DEMO_BUDGET,
  demoBudget,
  demoConfig,
  shortBudgetNotes,
} from '../../src/cli/commands/demo.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('the demo budget: the full one with the native kernels, about 5 minutes of wasm without', () => {
  assert.deepEqual(demoBudget(true), { trainImages: 60000, epochs: 1, testImages: 10000, attackImages: 500 });
  assert.equal(demoBudget(true), DEMO_DEFAULTS);
  assert.equal(demoBudget(false), WASM_DEMO_BUDGET);
  // At the slowest measured wasm speed (60 img/s) training stays under 4 minutes, leaving time for the rest.
  assert.ok(WASM_DEMO_BUDGET.trainImages / 60 <= 240, `${WASM_DEMO_BUDGET.trainImages / 60} s of training`);
  assert.ok(WASM_DEMO_BUDGET.attackImages < DEMO_DEFAULTS.attackImages);
  const config = demoConfig({ ...WASM_DEMO_BUDGET, seed: 0, loss: 'lgm' });
  const notes = shortBudgetNotes(config, 0.9512, 'addon not built');
  assert.match(notes[0], /native kernels are not available \(addon not built\)/);
  assert.match(notes[0], /trained on 12000 images instead of 60000, reaching 95\.12% test accuracy/);
  assert.match(notes[1], /`npm run setup`.*then `lgm demo`; or `lgm demo --full`/);
});

test('lgm demo: a user budget is not called shorter; --help tells the wasm budget and --full', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgm-demo-'));
  try {
    // A user's own --train-limit is not "the shorter budget": only the test sizes are small here.
    const own = spawnSync(
      process.execPath,
      [
        cli,
        'demo',
        '--train-limit',
        '64',
        '--test-limit',
        '20',
        '--no-detection',
        '--quiet',
        '--out',
        join(dir, 'own'),
      ],
      { encoding: 'utf8', env: { ...process.env, LGM_BACKEND: 'wasm', LGM_NATIVE: '0' } },
    );
    assert.equal(own.status, 0, own.stderr);
    assert.doesNotMatch(own.stdout, /shorter/);
    const help = spawnSync(process.execPath, [cli, 'demo', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /Without the native kernels \(plain wasm\) the default budget is shorter/);
    assert.match(help.stdout, /--full/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
