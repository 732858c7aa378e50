/**
 * Fault injection: a SIGKILL at every file operation of a checkpoint write, then a resume, gives exactly the
 * run an uninterrupted training gives (weights and metrics); the dead process's lock is taken over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { trainRun } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/run/metrics.js';
import { LOCK_FILE } from '../../src/io/run-lock.js';
import { blobData, finalWeights, mlpConfig, tempDir, untimed, useCpu } from '../train/fixtures.js';
import { distModule, pooled, runSnippet } from './helpers.js';

/** A child that trains the fixture run and kills itself (SIGKILL) before operation `op` of checkpoint `write`. */
function killedChild(runDir: string, write: number, op: string) {
  return runSnippet(`
import { trainRun } from ${JSON.stringify(distModule('src/train/trainer.js'))};
import { blobData, mlpConfig, useCpu } from ${JSON.stringify(distModule('test/train/fixtures.js'))};
await useCpu();
let writes = 0;
const beforeOperation = (op) => {
  if (op === 'mkdir run') writes++;
  if (writes === ${write} && op === ${JSON.stringify(op)}) process.kill(process.pid, 'SIGKILL');
};
await trainRun({ config: mlpConfig(), runDir: ${JSON.stringify(runDir)}, data: blobData(), hooks: { beforeOperation } });
`);
}

test('SIGKILL at each file operation of a checkpoint: the resumed run equals the uninterrupted one', async () => {
  await useCpu();
  const whole = join(tempDir(), 'run');
  const operations: string[][] = [];
  const full = await trainRun({
    config: mlpConfig(),
    runDir: whole,
    data: blobData(),
    hooks: {
      beforeOperation: (op) => {
        if (op === 'mkdir run') operations.push([]);
        operations[operations.length - 1].push(op);
      },
    },
  });
  const fullWeights = await finalWeights(full);
  const fullMetrics = untimed(await readMetrics(whole));
  // The second checkpoint (end of epoch 2) replaces a first one: every rename and removal happens.
  assert.equal(operations.length, 2);
  const ops = operations[1];
  for (const op of ['write tensors.bin', 'fsync temp dir', 'rename current to old', 'fsync run dir'])
    assert.ok(ops.includes(op), `checkpoint writes do ${op}`);

  const dirs = ops.map(() => join(tempDir(), 'run'));
  const children = await pooled(ops.map((op, i) => () => killedChild(dirs[i], 2, op)));
  for (const [i, op] of ops.entries()) {
    const child = children[i];
    assert.equal(child.signal, 'SIGKILL', `killed before ${op}: ${child.stderr}`);
    assert.ok(existsSync(join(dirs[i], LOCK_FILE)), 'the killed process left its lock');
    const notes: string[] = [];
    const reporter = { step() {}, epoch() {}, note: (line: string) => notes.push(line) };
    const resumed = await trainRun({
      config: mlpConfig(),
      runDir: dirs[i],
      data: blobData(),
      resume: true,
      reporter,
    });
    assert.equal(resumed.completed, true, op);
    assert.deepEqual(await finalWeights(resumed), fullWeights, `weights after a kill before ${op}`);
    assert.deepEqual(untimed(await readMetrics(dirs[i])), fullMetrics, `metrics after a kill before ${op}`);
    assert.ok(
      notes.some((n) => /took over the stale lock .* of pid \d+ \(no longer running/.test(n)),
      `stale lock taken over (${notes.join('; ')})`,
    );
    const left = readdirSync(dirs[i]).filter((n) => n.startsWith('checkpoint.') || n === LOCK_FILE);
    assert.deepEqual(left, [], `temp dirs, old checkpoint and lock cleaned up after ${op}`);
  }
});
