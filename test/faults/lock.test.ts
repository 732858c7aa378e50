/** Fault injection: concurrent runs on one directory, stale and foreign locks, runs into used directories. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { trainRun } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/run/metrics.js';
import { disposeModel } from '../../src/train/model.js';
import { LOCK_FILE, withRunLock } from '../../src/io/run-lock.js';
import { blobData, mlpConfig, tempDir, useCpu } from '../train/fixtures.js';
import { runCli, runNode, tinyTrainArgs } from './helpers.js';

/** The pid of a process that has exited (so surely not running). */
async function deadPid(): Promise<number> {
  const child = await runNode(['-e', 'console.log(process.pid)']);
  return Number(child.stdout.trim());
}

function duplicates(records: { type: string; step: number; epoch: number }[]): number {
  const keys = records.map((r) => `${r.type}/${r.type === 'step' ? r.step : r.epoch}`);
  return keys.length - new Set(keys).size;
}

test('two trainings of one run directory at once: the second is refused, the first is intact', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const first = trainRun({ config: mlpConfig(), runDir, data: blobData() });
  await new Promise((resolve) => setImmediate(resolve));
  await assert.rejects(
    trainRun({ config: mlpConfig(), runDir, data: blobData(), resume: true }),
    /train: .*run must not be in use by another lgm process, got pid \d+ on .*; wait for it to finish, or remove .*lgm\.lock/,
  );
  const done = await first;
  disposeModel(done.model);
  assert.equal(duplicates(await readMetrics(runDir)), 0);
  assert.equal(existsSync(join(runDir, LOCK_FILE)), false, 'lock released');
});

test('three concurrent lgm train --resume of one run: one trains, the others exit 2 with one line', async () => {
  const runDir = join(tempDir(), 'run');
  // SIGTERM after the first epoch: a checkpoint is written and the run stops with 128 + 15.
  const made = await runCli([...tinyTrainArgs(['--epochs', '20']), '--out', runDir], {
    signalOn: { pattern: /epoch 1\/20/, signal: 'SIGTERM' },
  });
  assert.equal(made.status, 143, made.stderr);
  const args = ['train', '--resume', runDir, '--backend', 'cpu', '--quiet'];
  const results = await Promise.all([0, 1, 2].map(() => runCli(args)));
  const ok = results.filter((r) => r.status === 0);
  const refused = results.filter((r) => r.status === 2);
  assert.equal(ok.length + refused.length, 3, results.map((r) => r.stderr).join('\n'));
  assert.ok(ok.length >= 1, 'one resume trains');
  for (const r of refused) {
    assert.match(r.stderr.trim(), /^lgm train: .* must not be in use by another lgm process, got pid \d+/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const records = await readMetrics(runDir);
  assert.equal(duplicates(records), 0, 'no duplicate (type, step) records');
  assert.equal(records.filter((r) => r.type === 'epoch').length, 20);
  assert.equal(existsSync(join(runDir, LOCK_FILE)), false);
});

test('a stale lock of a dead pid is taken over with a note; a live or foreign lock is refused', async () => {
  const dir = tempDir();
  const lock = join(dir, LOCK_FILE);
  const owner = { pid: await deadPid(), host: hostname(), command: 'train', since: 'then', token: 'x' };
  writeFileSync(lock, JSON.stringify(owner));
  const notes: string[] = [];
  const inside = await withRunLock('t', dir, { note: (n) => notes.push(n) }, async () =>
    JSON.parse(readFileSync(lock, 'utf8')),
  );
  assert.equal(inside.pid, process.pid);
  assert.match(notes.join(), new RegExp(`took over the stale lock .* of pid ${owner.pid}`));
  assert.equal(existsSync(lock), false, 'released');
  // A live process (this one's parent) and another host's lock are never taken over.
  for (const other of [
    { ...owner, pid: process.ppid },
    { ...owner, host: `not-${hostname()}` },
  ]) {
    writeFileSync(lock, JSON.stringify(other));
    await assert.rejects(
      withRunLock('t', dir, {}, async () => 0),
      new RegExp(`t: .* must not be in use by another lgm process, got pid ${other.pid} on ${other.host}`),
    );
    assert.deepEqual(JSON.parse(readFileSync(lock, 'utf8')), other, 'the other lock is left alone');
  }
  // An empty lock: being written (refused) until it is old enough to be a writer's that died (taken over).
  writeFileSync(lock, '');
  await assert.rejects(
    withRunLock('t', dir, {}, async () => 0),
    /got another process \(the lock file is being written\)/,
  );
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old);
  const taken: string[] = [];
  await withRunLock('t', dir, { note: (n) => taken.push(n) }, async () => 0);
  assert.match(taken.join(), /took over the stale lock .* of an unreadable lock/);
  assert.equal(existsSync(lock), false);
});

test('the lock is released when the locked work fails', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const r = await trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() });
  disposeModel(r.model);
  await assert.rejects(
    trainRun({ config: mlpConfig({ epochs: 1, seed: 9 }), runDir, data: blobData(), resume: true }),
    /the config must equal the run's/,
  );
  assert.equal(existsSync(join(runDir, LOCK_FILE)), false);
});

test('a new run refuses a directory holding any run file (metrics without config, adversarial sets, ...)', async () => {
  await useCpu();
  for (const [name, make] of [
    ['metrics.jsonl', (p: string) => writeFileSync(p, '{"type":"step","step":1,"epoch":1}\n')],
    ['adversarial', (p: string) => mkdirSync(p)],
    ['detection.json', (p: string) => writeFileSync(p, '{}')],
  ] as const) {
    const runDir = join(tempDir(), 'run');
    mkdirSync(runDir);
    make(join(runDir, name));
    await assert.rejects(
      trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() }),
      new RegExp(`must be a new run directory \\(or pass --resume\\), got one holding ${name}`),
    );
    assert.equal(existsSync(join(runDir, 'config.json')), false, 'nothing written');
  }
});
