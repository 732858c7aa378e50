import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { disposeModel } from '../../src/train/model.js';
import { trainRun } from '../../src/train/trainer.js';
import { countHostReads } from '../helpers/host-reads.js';
import { blobData, mlpConfig, tempDir, useCpu } from './fixtures.js';

/** Host reads of a run stopped after `steps` steps (all within the first epoch, no step metrics logged). */
async function readsAfter(
  steps: number,
  loss: string,
  options: Record<string, unknown> = {},
): Promise<number> {
  const runDir = tempDir();
  try {
    const config = mlpConfig({ loss: { name: loss, options }, logEvery: 1000 } as never);
    const { result, reads } = await countHostReads(() =>
      trainRun({ config, runDir, data: blobData(), stopAfterSteps: steps }),
    );
    disposeModel(result.model);
    return reads;
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

// A training step reads back only the four scalars it reports (loss, its two parts, accuracy), stacked into one
// tensor and read once: every input check that would need the tensors' values happens at the public boundary,
// not inside the step.
for (const [loss, options] of [
  ['lgm', {}],
  ['lgm', { covariance: 'diagonal', learnPriors: true }],
  ['softmax', {}],
  ['center', {}],
] as const) {
  test(`a ${loss} training step ${JSON.stringify(options)} reads its 4 values back to the host at once`, async () => {
    await useCpu();
    const perStep = ((await readsAfter(5, loss, options)) - (await readsAfter(2, loss, options))) / 3;
    assert.equal(perStep, 1);
  });
}
