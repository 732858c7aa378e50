import { LgmError } from '../util/errors.js';

/**
 * The trainer's position, saved as checkpoint/state.json. The data order is a function of (seed, epoch), so
 * (seed, epoch, batch) is the whole random-number state: a resumed run sees the same batches.
 */
export interface TrainState {
  seed: number;
  /** Completed epochs (0-based index of the current epoch). */
  epoch: number;
  /** Completed batches of the current epoch. */
  batch: number;
  /** Completed steps in total. */
  step: number;
  /** Running sums of the current epoch: samples, loss * samples, correct, training seconds. */
  seen: number;
  lossSum: number;
  correct: number;
  seconds: number;
}

export function initialState(seed: number): TrainState {
  return { seed, epoch: 0, batch: 0, step: 0, seen: 0, lossSum: 0, correct: 0, seconds: 0 };
}

const FIELDS = ['seed', 'epoch', 'batch', 'step', 'seen', 'lossSum', 'correct', 'seconds'] as const;

/** Validates a state.json object; `file` names it in errors. */
export function parseState(file: string, value: Record<string, unknown>): TrainState {
  for (const key of FIELDS) {
    const v = value?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LgmError(
        `readCheckpoint: ${file} field ${key} must be a finite number >= 0, got ${JSON.stringify(v)}`,
      );
    }
  }
  const s = value as unknown as TrainState;
  return {
    seed: s.seed,
    epoch: s.epoch,
    batch: s.batch,
    step: s.step,
    seen: s.seen,
    lossSum: s.lossSum,
    correct: s.correct,
    seconds: s.seconds,
  };
}
