import type { LossStepValues } from '../losses/module.js';
import type { TrainConfig } from './config.js';
import type { BatchSource } from './data.js';
import { type TrainableModel, trainableParams } from './model.js';
import { learningRate, scheduledValue } from './schedules.js';
import { Trainer } from './step-trainer.js';
import { modelObjective } from './step.js';

/** alpha and lambda of a config's schedules at a step (absent: the loss option's constant). */
export function lossValues(config: TrainConfig, step: number, epoch: number): LossStepValues {
  const values: LossStepValues = {};
  if (config.alpha !== null) values.alpha = scheduledValue(config.alpha, step, epoch);
  if (config.lambda !== null) values.lambda = scheduledValue(config.lambda, step, epoch);
  return values;
}

/**
 * The Trainer of a config's model (buildModel), as `lgm train` runs it: the config's optimizer, learning-rate
 * and alpha/lambda schedules and epochs, on `train`. The caller initialises it and disposes it.
 */
export function configTrainer(model: TrainableModel, config: TrainConfig, train: BatchSource): Trainer {
  return new Trainer({
    objective: modelObjective(model),
    params: trainableParams(model, config.optimizer.mixtureLrMultiplier),
    optimizer: config.optimizer,
    train,
    epochs: config.epochs,
    learningRate: (at) => learningRate(config.lr, at.epochFloat, config.epochs),
    lossValues: (at) => lossValues(config, at.step, at.epochFloat),
    seed: config.seed,
  });
}
