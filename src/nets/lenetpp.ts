import * as tfl from '@tensorflow/tfjs-layers';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { inputConv2d } from './input-conv.js';

/** Options of LeNet++. */
export interface LeNetPPOptions {
  /** Width of the feature layer: 2 for the paper's feature-space figure, larger for accuracy. Default 2, >= 1. */
  featureDim?: number;
  /** Input image shape [H, W, C]. Default [28, 28, 1] (MNIST). */
  inputShape?: [number, number, number];
  /** Seed of the weight initialisers (each layer gets seed + its index). Default 0. */
  seed?: number;
}

/**
 * LeNet++ as in the center-loss and L-GM papers: three stages of two 5x5 convolutions ('same' padding, 32/64/128
 * channels) each followed by PReLU, with 2x2 max pooling after each stage, then a linear feature layer.
 * Maps images [N, H, W, C] to features [N, featureDim].
 */
export function leNetPP(options: LeNetPPOptions = {}): tfl.Sequential {
  const where = 'leNetPP';
  checkKnownKeys(where, options, ['featureDim', 'inputShape', 'seed']);
  const featureDim = numberOption(where, 'options.featureDim', options.featureDim, 2, {
    min: 1,
    integer: true,
  });
  const seed = numberOption(where, 'options.seed', options.seed, 0, { integer: true });
  const inputShape = options.inputShape ?? [28, 28, 1];
  let layerIndex = 0;
  const init = () => tfl.initializers.glorotUniform({ seed: seed + layerIndex++ });
  const model = tfl.sequential({ name: 'lenetpp' });
  for (const [stage, filters] of [32, 64, 128].entries()) {
    for (let k = 0; k < 2; k++) {
      const first = stage === 0 && k === 0;
      model.add(
        (first ? inputConv2d : tfl.layers.conv2d)({
          ...(first ? { inputShape } : {}),
          filters,
          kernelSize: 5,
          padding: 'same',
          kernelInitializer: init(),
          name: `conv${stage + 1}_${k + 1}`,
        }),
      );
      model.add(tfl.layers.prelu({ sharedAxes: [1, 2], name: `prelu${stage + 1}_${k + 1}` }));
    }
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${stage + 1}` }));
  }
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ units: featureDim, kernelInitializer: init(), name: 'feature' }));
  return model;
}

/** Number of trainable scalars of a model (for logs and tests). */
export function countParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
