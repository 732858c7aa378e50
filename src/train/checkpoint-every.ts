import { LgmError } from '../util/errors.js';

/** How often the trainer checkpoints within an epoch: every `steps` steps and/or `seconds` seconds (null: not). */
export interface CheckpointEvery {
  steps: number | null;
  seconds: number | null;
}

/**
 * Every 5 minutes of training: a SIGKILL or power loss loses at most that much, while a checkpoint (weights and
 * optimizer slots, ~14 MB for ResNet-110, and a few fsyncs) costs a small fraction of it.
 */
export const DEFAULT_CHECKPOINT_EVERY: CheckpointEvery = { steps: null, seconds: 300 };

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Parses `--checkpoint-every`: comma-separated `<n>` (steps) and/or `<n>s|m|h` (time), e.g. `500`, `5m`,
 * `500,10m`; `epoch` checkpoints only at epoch ends (and on interrupt).
 */
export function parseCheckpointEvery(where: string, text: string): CheckpointEvery {
  const out: CheckpointEvery = { steps: null, seconds: null };
  if (text.trim() === 'epoch') return out;
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(part);
    const n = m === null ? NaN : Number(m[1]);
    const isSteps = m !== null && m[2] === '';
    const ok = m !== null && n > 0 && (!isSteps || Number.isSafeInteger(n));
    if (!ok || (isSteps ? out.steps : out.seconds) !== null) {
      throw new LgmError(
        `${where}: --checkpoint-every must be steps (500), a time (30s, 5m, 1h), both (500,5m) or 'epoch', got '${text}'`,
      );
    }
    if (isSteps) out.steps = n;
    else out.seconds = n * UNITS[m[2]];
  }
  return out;
}

/** Whether a periodic checkpoint is due at `step` / `now` (ms) since the last one. */
export function checkpointDue(
  every: CheckpointEvery,
  last: { step: number; time: number },
  step: number,
  now: number,
): boolean {
  if (every.steps !== null && step - last.step >= every.steps) return true;
  return every.seconds !== null && now - last.time >= every.seconds * 1000;
}
