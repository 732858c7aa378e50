/**
 * Real run directories for CLI tests, made by `lgm train` itself (so the run-directory contract, input
 * normalisation included, is the one users get): a small MLP on the first MNIST images, seconds on cpu.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/commands/train.js';
import { capture } from '../helpers/console.js';

export async function mnistRun(loss: 'lgm' | 'softmax', trainCount = 400, testCount = 100): Promise<string> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'lgm-detect-')), 'run');
  const args = `--out ${runDir} --quiet --backend cpu --dataset mnist --train-limit ${trainCount} --test-limit ${testCount} --net mlp --hidden 32 --feature-dim 8 --loss ${loss} --optimizer adam --lr 0.003 --epochs 4 --batch-size 50 --seed 2`;
  const { code } = await capture(() => trainCommand.run(args.split(' ')));
  if (code !== 0) throw new Error(`lgm train exited with ${code}`);
  return runDir;
}
