import * as tfl from '@tensorflow/tfjs-layers';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { LgmError, describe } from '../util/errors.js';

/** Options of the small MLP. */
export interface MlpOptions {
  /** Width of the feature layer (the last, linear layer). Default 2, >= 1. */
  featureDim?: number;
  /** Widths of the hidden ReLU layers, each an integer >= 1; may be empty. Default [64]. */
  hidden?: number[];
  /** Input shape (flattened before the first layer), e.g. [28, 28, 1] or [2]. Default [28, 28, 1]. */
  inputShape?: number[];
  /** Seed of the weight initialisers (each layer gets seed + its index). Default 0. */
  seed?: number;
}

/** Checks an input shape: a non-empty list of positive integers. */
export function checkInputShape(where: string, shape: unknown): number[] {
  const ok =
    Array.isArray(shape) && shape.length > 0 && shape.every((s) => Number.isInteger(s) && (s as number) > 0);
  if (!ok) {
    throw new LgmError(
      `${where}: options.inputShape must be a non-empty list of positive integers, got ${describe(shape)}`,
    );
  }
  return shape as number[];
}

/**
 * A small multi-layer perceptron: flatten, hidden dense+ReLU layers, then a linear feature layer.
 * Fast enough for tests and synthetic data; maps inputs [N, ...inputShape] to features [N, featureDim].
 */
export function mlp(options: MlpOptions = {}): tfl.Sequential {
  const where = 'mlp';
  checkKnownKeys(where, options, ['featureDim', 'hidden', 'inputShape', 'seed']);
  const featureDim = numberOption(where, 'options.featureDim', options.featureDim, 2, {
    min: 1,
    integer: true,
  });
  const seed = numberOption(where, 'options.seed', options.seed, 0, { integer: true });
  const inputShape = checkInputShape(where, options.inputShape ?? [28, 28, 1]);
  const hidden = options.hidden ?? [64];
  if (!Array.isArray(hidden) || !hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw new LgmError(
      `${where}: options.hidden must be a list of positive integers, got ${describe(hidden)}`,
    );
  }
  let layerIndex = 0;
  const init = () => tfl.initializers.glorotUniform({ seed: seed + layerIndex++ });
  const model = tfl.sequential({ name: 'mlp' });
  // Flatten needs rank >= 2 per sample; a vector input goes straight into the first dense layer.
  const flat = inputShape.length > 1;
  if (flat) model.add(tfl.layers.flatten({ inputShape, name: 'flatten' }));
  const first = () => (!flat && model.layers.length === 0 ? { inputShape } : {});
  for (const [i, units] of hidden.entries()) {
    model.add(
      tfl.layers.dense({
        ...first(),
        units,
        activation: 'relu',
        kernelInitializer: init(),
        name: `dense${i + 1}`,
      }),
    );
  }
  model.add(tfl.layers.dense({ ...first(), units: featureDim, kernelInitializer: init(), name: 'feature' }));
  return model;
}
