/**
 * Fault injection: file-system failures are one-line errors naming the file (`cannot write <path>: <reason>`,
 * exit 2), found before the long work where possible; atomic writers leave no temp file behind; flags agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/io/atomic.js';
import { writeCheckpoint } from '../../src/run/checkpoint.js';
import { trainRun } from '../../src/train/trainer.js';
import { disposeModel } from '../../src/train/model.js';
import { detectCommand } from '../../src/cli/commands/detect.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { attackCommand } from '../../src/cli/commands/attack.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { plotCommand } from '../../src/cli/commands/plot.js';
import { blobData, mlpConfig, tempDir, useCpu } from '../train/fixtures.js';
import { syntheticMetrics, writeRunDir } from '../viz/fixtures.js';
import { capture } from '../helpers/console.js';
import { runCli, tinyTrainArgs } from './helpers.js';

test('lgm train --out <a file>: exit 2 and one line naming it, no stack trace', async () => {
  const file = join(tempDir(), 'not-a-dir');
  writeFileSync(file, 'x');
  const r = await runCli([...tinyTrainArgs(), '--out', file]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), `lgm train: train: ${file} must be a directory, got a file`);
  const nested = await runCli([...tinyTrainArgs(), '--out', join(file, 'run')]);
  assert.equal(nested.status, 2);
  assert.match(nested.stderr.trim(), /^lgm train: cannot write .*not-a-dir\/run: .*\((ENOTDIR|EEXIST)\)$/);
});

test('detect, eval and attack check that their output can be written before doing the work', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const r = await trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() });
  disposeModel(r.model);
  mkdirSync(join(runDir, 'detection.json'));
  const started = Date.now();
  await assert.rejects(
    detectCommand.run(['--run', runDir, '--backend', 'cpu']),
    new RegExp(`cannot write ${join(runDir, 'detection.json')}: is a directory \\(EISDIR\\)`),
  );
  assert.ok(Date.now() - started < 5000, 'failed at once');
  rmSync(join(runDir, 'features.json'));
  mkdirSync(join(runDir, 'features.json'));
  await assert.rejects(
    evalCommand.run([runDir, '--backend', 'cpu']),
    new RegExp(`cannot write ${join(runDir, 'features.json')}: is a directory \\(EISDIR\\)`),
  );
  writeFileSync(join(runDir, 'adversarial'), 'not a directory');
  await assert.rejects(
    attackCommand.run(['--run', runDir, '--backend', 'cpu']),
    new RegExp(`cannot write ${join(runDir, 'adversarial')}: already exists \\(EEXIST\\)`),
  );
});

test('atomic writers: a failed write names the file and leaves no temp file', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'taken'));
  assert.throws(
    () => writeFileAtomic(join(dir, 'taken'), 'x'),
    /cannot write .*taken: is a directory \(EISDIR\)/,
  );
  await assert.rejects(writeFileAtomicAsync(join(dir, 'taken'), 'x'), /cannot write .*taken: is a directory/);
  await assert.rejects(
    writeFileAtomicAsync(join(dir, 'missing', 'f.json'), 'x'),
    /cannot write .*missing\/f\.json: no such file or directory \(ENOENT\)/,
  );
  assert.deepEqual(readdirSync(dir), ['taken']);
  // A checkpoint write that fails midway removes its temp dir and keeps the previous checkpoint.
  await useCpu();
  const t = tf.ones([3]);
  await writeCheckpoint(dir, { t }, { epoch: 1 });
  const fail = (op: string) => {
    if (op === 'write state.json') throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  };
  await assert.rejects(
    writeCheckpoint(dir, { t }, { epoch: 2 }, { beforeOperation: fail }),
    /cannot write .*checkpoint: no space left on device \(ENOSPC\)/,
  );
  t.dispose();
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint', 'taken']);
});

test('--seed must be an integer in [0, 2^31 - 1] for train, demo, attack and detect alike', async () => {
  const range =
    /--seed must be an integer in \[0, 2147483647\], got '-1'|seed must be an integer in \[0, 2147483647\], got number -1/;
  const missing = join(tempDir(), 'none');
  await assert.rejects(trainCommand.run(['--seed=-1', '--out', missing]), range);
  await assert.rejects(demoCommand.run(['--seed=-1', '--out', missing]), range);
  await assert.rejects(attackCommand.run(['--run', missing, '--seed=-1']), range);
  await assert.rejects(detectCommand.run(['--run', missing, '--seed=-1']), range);
});

test('plot curves and plot report read a metrics.jsonl whose last line a crash cut short', async () => {
  const runDir = await writeRunDir({ metrics: syntheticMetrics(2, 3) });
  appendFileSync(join(runDir, 'metrics.jsonl'), '{"type":"step","step":99,"lo');
  const out = await capture(() => plotCommand.run(['curves', runDir, '--format', 'svg']));
  assert.equal(out.code, 0);
  assert.match(out.out, /training-curves\.svg/);
});
