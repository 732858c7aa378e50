import { LgmError, describe } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';

/** Learning-rate schedule kinds. */
export const LR_SCHEDULES = ['constant', 'multistep', 'cosine'] as const;

/** A learning-rate schedule, evaluated per step at a fractional epoch. */
export interface LrSchedule {
  /** 'constant' | 'multistep' (x gamma at each milestone) | 'cosine' (to minLr at the last epoch). */
  kind: (typeof LR_SCHEDULES)[number];
  /** Base learning rate > 0. */
  base: number;
  /** Epochs at which 'multistep' multiplies by gamma, increasing. */
  milestones: number[];
  /** Factor of 'multistep', in (0, 1]. */
  gamma: number;
  /** Linear warm-up from ~0 to base over this many epochs (>= 0), before the schedule proper. */
  warmupEpochs: number;
  /** Final learning rate of 'cosine', >= 0. */
  minLr: number;
}

/** Kinds of schedules for L-GM's alpha and for lambda. */
export const VALUE_SCHEDULES = ['constant', 'stepup', 'ramp'] as const;

/**
 * A schedule for a loss value (alpha, lambda):
 * - constant: `value` throughout;
 * - stepup (the official L-GM code's STEPUP policy): start * factor^floor(step / every), capped at max;
 * - ramp (the follow-up work, arXiv 2011.09066): linear from 0 to `value` over `epochs` epochs, then `value`.
 */
export type ValueSchedule =
  | { kind: 'constant'; value: number }
  | { kind: 'stepup'; start: number; factor: number; every: number; max: number }
  | { kind: 'ramp'; value: number; epochs: number };

/** The learning rate at fractional epoch `epoch` (0 at the start of training) of a run of `totalEpochs`. */
export function learningRate(s: LrSchedule, epoch: number, totalEpochs: number): number {
  if (s.warmupEpochs > 0 && epoch < s.warmupEpochs) return (s.base * epoch) / s.warmupEpochs;
  if (s.kind === 'multistep') {
    const passed = s.milestones.filter((m) => epoch >= m).length;
    return s.base * s.gamma ** passed;
  }
  if (s.kind === 'cosine') {
    const span = Math.max(totalEpochs - s.warmupEpochs, 1e-9);
    const t = Math.min(Math.max((epoch - s.warmupEpochs) / span, 0), 1);
    return s.minLr + (s.base - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
  }
  return s.base;
}

/** The value of a loss schedule at global step `step` (0-based) and fractional epoch `epoch`. */
export function scheduledValue(s: ValueSchedule, step: number, epoch: number): number {
  if (s.kind === 'constant') return s.value;
  if (s.kind === 'stepup') return Math.min(s.max, s.start * s.factor ** Math.floor(step / s.every));
  return s.epochs === 0 ? s.value : s.value * Math.min(1, epoch / s.epochs);
}

/** Validates a learning-rate schedule; `where` names the caller, `field` the config field (default where). */
export function checkLrSchedule(where: string, s: Partial<LrSchedule>, field = where): LrSchedule {
  checkKnownKeys(where, s, ['kind', 'base', 'milestones', 'gamma', 'warmupEpochs', 'minLr']);
  const kind = choiceOption(where, `${field}.kind`, s.kind, LR_SCHEDULES, 'constant');
  const milestones = s.milestones ?? [];
  const increasing =
    Array.isArray(milestones) &&
    milestones.every((m, i) => Number.isFinite(m) && m > 0 && (i === 0 || m > milestones[i - 1]));
  if (!increasing) {
    throw new LgmError(
      `${where}: ${field}.milestones must be increasing positive epochs, got ${describe(milestones)}`,
    );
  }
  if (kind === 'multistep' && milestones.length === 0) {
    throw new LgmError(`${where}: ${field}.milestones must be non-empty for kind 'multistep', got []`);
  }
  return {
    kind,
    base: numberOption(where, `${field}.base`, s.base, 0.01, { min: Number.MIN_VALUE }),
    milestones,
    gamma: numberOption(where, `${field}.gamma`, s.gamma, 0.1, { min: Number.MIN_VALUE, max: 1 }),
    warmupEpochs: numberOption(where, `${field}.warmupEpochs`, s.warmupEpochs, 0, { min: 0 }),
    minLr: numberOption(where, `${field}.minLr`, s.minLr, 0, { min: 0 }),
  };
}

/** Validates a value schedule; `where` names the caller, `field` the config field (default where). */
export function checkValueSchedule(where: string, s: unknown, field = where): ValueSchedule {
  if (s === null || typeof s !== 'object') {
    throw new LgmError(`${where}: ${field} must be an object with a kind, got ${describe(s)}`);
  }
  const o = s as Record<string, unknown>;
  const kind = choiceOption(where, `${field}.kind`, o.kind, VALUE_SCHEDULES);
  const num = (key: string, range: { min?: number; max?: number; integer?: boolean }) => {
    if (o[key] === undefined)
      throw new LgmError(`${where}: ${field}.${key} is required for kind '${kind}', got undefined`);
    return numberOption(where, `${field}.${key}`, o[key], 0, range);
  };
  if (kind === 'constant') {
    checkKnownKeys(where, o, ['kind', 'value']);
    return { kind, value: num('value', { min: 0 }) };
  }
  if (kind === 'stepup') {
    checkKnownKeys(where, o, ['kind', 'start', 'factor', 'every', 'max']);
    return {
      kind,
      start: num('start', { min: 0 }),
      factor: num('factor', { min: 1 }),
      every: num('every', { min: 1, integer: true }),
      max: num('max', { min: 0 }),
    };
  }
  checkKnownKeys(where, o, ['kind', 'value', 'epochs']);
  return { kind, value: num('value', { min: 0 }), epochs: num('epochs', { min: 0 }) };
}
