import { join } from 'node:path';
import { describeBackend, initBackend } from '../backend/index.js';
import { TrainConfig } from './config.js';
import { loadTrainData } from './datasets.js';
import { ProgressReporter, lineReporter, terminalReporter } from './progress.js';
import { TrainRunResult, trainRun } from './trainer.js';
import type { CheckpointEvery } from './checkpoint-every.js';
import { onStopSignals } from '../util/interrupt.js';
import { withRunLock } from '../io/run-lock.js';

/** Options of `runTrainingSession` (the body of `lgm train` and `lgm demo`). */
export interface SessionOptions {
  config: TrainConfig;
  runDir: string;
  resume: boolean;
  /** TF.js backend name (default: wasm, else cpu, or $LGM_BACKEND). */
  backend?: string;
  /** No progress output (final lines only). */
  quiet?: boolean;
  /** Where lines go. Default console.log. */
  log?: (line: string) => void;
  /** Checkpoints within an epoch (default: the trainer's, every 5 minutes). */
  checkpointEvery?: CheckpointEvery;
}

/** A default run directory: runs/<UTC date-time>-<net>-<loss>. */
export function defaultRunDir(config: TrainConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('runs', `${stamp}-${config.net.name}-${config.loss.name}`);
}

function reporterFor(options: SessionOptions, log: (line: string) => void): ProgressReporter {
  if (options.quiet === true) return { step() {}, epoch: log, note: log };
  // A bar redrawn in place only on a terminal; logs and pipes get plain lines.
  return process.stdout.isTTY ? terminalReporter(process.stdout) : lineReporter(log, options.config.logEvery);
}

/**
 * Initialises the backend, loads the data, trains (Ctrl-C, SIGTERM and SIGHUP checkpoint and stop cleanly)
 * and prints the outcome. Resolves to the result (the caller disposes result.model), the backend used and the
 * exit code (0, or 128 + the signal's number when stopped).
 */
export async function runTrainingSession(
  options: SessionOptions,
): Promise<{ result: TrainRunResult; backend: string; exitCode: number }> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Lock before loading the data: a busy or unwritable run directory fails at once, not after the loading.
  const lock = { create: !options.resume, note: log };
  return withRunLock('train', options.runDir, lock, () => lockedSession(options, log));
}

async function lockedSession(
  options: SessionOptions,
  log: (line: string) => void,
): Promise<{ result: TrainRunResult; backend: string; exitCode: number }> {
  const { config, runDir } = options;
  const backend = await initBackend(options.backend);
  log(`${describeBackend()}; loading ${config.dataset.name}`);
  const data = await loadTrainData(config.dataset, {
    batchSize: config.batchSize,
    evalBatchSize: config.evalBatchSize,
    seed: config.seed,
  });
  log(
    `training ${config.net.name} + ${config.loss.name} on ${data.train.count} images (${data.train.batchesPerEpoch} batches/epoch, ${config.epochs} epoch(s)), testing on ${data.test.count}; run directory ${runDir}`,
  );
  const stop = onStopSignals(log, 'finishing the current step and writing a checkpoint');
  try {
    const result = await trainRun({
      config,
      runDir,
      data,
      resume: options.resume,
      reporter: reporterFor(options, log),
      signal: stop.signal,
      ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
    });
    if (result.completed && result.evaluation !== null) {
      log(
        `test accuracy: ${(100 * result.evaluation.accuracy).toFixed(2)}% (${result.evaluation.count} images)`,
      );
    }
    return { result, backend, exitCode: result.completed ? 0 : stop.exitCode() };
  } finally {
    stop.dispose();
  }
}
