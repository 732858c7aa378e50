import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingFileError } from '../../src/run/json-file.js';
import { appendMetrics, readMetrics, truncateMetrics } from '../../src/run/metrics.js';

const root = mkdtempSync(join(tmpdir(), 'lgm-run-metrics-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const runDir = () => mkdtempSync(join(root, `r${n++}-`));

const step = (s: number, e = 1) => ({ type: 'step' as const, step: s, epoch: e, loss: 1 / (s + 1) });

test('metrics.jsonl round trip: appendMetrics then readMetrics', async () => {
  const dir = runDir();
  await appendMetrics(dir, [step(1), step(2)]);
  await appendMetrics(dir, [{ type: 'epoch', step: 2, epoch: 1, testAccuracy: 0.5 }]);
  assert.deepEqual(await readMetrics(dir), [
    step(1),
    step(2),
    { type: 'epoch', step: 2, epoch: 1, testAccuracy: 0.5 },
  ]);
});

test('the one metrics policy: missing is an error, a truncated last line is skipped, a bad earlier line is named', async () => {
  const dir = runDir();
  const file = join(dir, 'metrics.jsonl');
  await assert.rejects(readMetrics(dir), (e: unknown) => e instanceof MissingFileError && e.file === file);
  writeFileSync(file, `${JSON.stringify(step(1))}\n{"type":"st`);
  assert.deepEqual(await readMetrics(dir), [step(1)]);
  // A complete (newline-ended) bad line is corruption, wherever it is.
  writeFileSync(file, `${JSON.stringify(step(1))}\n{"type":"st\n`);
  await assert.rejects(
    readMetrics(dir),
    new RegExp(`^LgmError: readMetrics: ${file} line 2 must be a JSON object, got '\\{"type":"st'$`),
  );
  writeFileSync(file, `{"type":"st\n${JSON.stringify(step(1))}\n`);
  await assert.rejects(readMetrics(dir), /metrics.jsonl line 1 must be a JSON object/);
  writeFileSync(file, `${JSON.stringify(step(1))}\n[1,2]\n`);
  await assert.rejects(readMetrics(dir), /metrics.jsonl line 2 must be a JSON object, got array of length 2/);
  writeFileSync(file, `{"step":1}\n`);
  await assert.rejects(readMetrics(dir), /metrics.jsonl line 1 type must be a string, got undefined/);
  writeFileSync(file, `\n\n${JSON.stringify(step(3))}\n\n`);
  assert.deepEqual(await readMetrics(dir), [step(3)], 'blank lines are skipped');
});

test('truncateMetrics keeps what the checkpoint covers, drops a truncated last line, and accepts no file', async () => {
  const dir = runDir();
  await truncateMetrics(dir, 5, 1);
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), '');
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    [step(1), step(2), { type: 'epoch', step: 2, epoch: 1 }, step(3, 2)]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n{"ty',
  );
  await truncateMetrics(dir, 3, 2);
  assert.deepEqual(await readMetrics(dir), [step(1), step(2), { type: 'epoch', step: 2, epoch: 1 }]);
});
