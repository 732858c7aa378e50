import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineReporter, terminalReporter, StepProgress } from '../../src/train/progress.js';

const step = (batch: number): StepProgress => ({
  epoch: 0,
  epochs: 2,
  batch,
  batches: 4,
  loss: 1.23456,
  accuracy: 0.5,
  imagesPerSecond: 40,
  etaSeconds: 75,
});

test('plain lines every n steps and at the end of an epoch, with ETA, img/s, loss and accuracy', () => {
  const lines: string[] = [];
  const r = lineReporter((l) => lines.push(l), 2);
  for (let b = 1; b <= 4; b++) r.step(step(b));
  r.step({ ...step(3), batches: 3 });
  assert.deepEqual(lines, [
    'epoch 1/2 batch 2/4 loss 1.2346 acc 50.00% 40.0 img/s ETA 1:15',
    'epoch 1/2 batch 4/4 loss 1.2346 acc 50.00% 40.0 img/s ETA 1:15',
    'epoch 1/2 batch 3/3 loss 1.2346 acc 50.00% 40.0 img/s ETA 1:15',
  ]);
});

test('the terminal bar redraws one line in place and ends it before other output', () => {
  let out = '';
  const stream = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  const r = terminalReporter(stream, 8);
  r.step(step(1));
  r.step(step(2));
  r.epoch('done');
  assert.equal(
    out,
    '\r[##......] epoch 1/2 batch 1/4 loss 1.2346 acc 50.00% 40.0 img/s ETA 1:15\x1b[K' +
      '\r[####....] epoch 1/2 batch 2/4 loss 1.2346 acc 50.00% 40.0 img/s ETA 1:15\x1b[K\ndone\n',
  );
});
