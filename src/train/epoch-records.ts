import type { LossStepValues } from '../losses/module.js';
import type { TrainConfig } from './config.js';
import type { Evaluation } from './evaluate.js';
import type { MetricsRecord } from '../run/metrics.js';
import type { TrainableModel } from './model.js';
import { learningRate } from './schedules.js';
import type { TrainState } from './state.js';

/** The progress line of a finished epoch. */
export function epochLine(state: TrainState, config: TrainConfig, ev: Evaluation): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return (
    `epoch ${state.epoch + 1}/${config.epochs}: train loss ${(state.lossSum / state.seen).toFixed(4)} ` +
    `acc ${pct(state.correct / state.seen)} | test loss ${ev.loss.toFixed(4)} acc ${pct(ev.accuracy)} | ` +
    `${(state.seen / Math.max(state.seconds, 1e-9)).toFixed(1)} img/s`
  );
}

/** alpha and lambda as used this step (schedule value, else the loss's own option, else null). */
export function resolvedValues(
  model: TrainableModel,
  values: LossStepValues,
): { alpha: number | null; lambda: number | null } {
  const own = model.loss.options as { alpha?: number; lambda?: number };
  return { alpha: values.alpha ?? own.alpha ?? null, lambda: values.lambda ?? own.lambda ?? null };
}

/** The metrics.jsonl record of a finished epoch. */
export function epochRecord(
  state: TrainState,
  config: TrainConfig,
  model: TrainableModel,
  ev: Evaluation,
  values: LossStepValues,
): MetricsRecord {
  return {
    type: 'epoch',
    epoch: state.epoch + 1,
    step: state.step,
    trainLoss: state.lossSum / state.seen,
    trainAccuracy: state.correct / state.seen,
    testAccuracy: ev.accuracy,
    testLoss: ev.loss,
    lr: learningRate(config.lr, state.epoch + 1, config.epochs),
    ...resolvedValues(model, values),
    imagesPerSecond: state.seen / Math.max(state.seconds, 1e-9),
    seconds: state.seconds,
  };
}
