import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LGM_BATCH_NORM_TRAIN, type BatchNormTrainAttrs } from '../util/batch-norm-kernel.js';

type BatchNormalization = ReturnType<typeof tfl.layers.batchNormalization>;
type CallArgs = Parameters<BatchNormalization['call']>;
type LayerVariable = BatchNormalization['weights'][number];

/** Options of `batchNormalization`: tfjs-layers' batch-norm layer on the last axis. */
export interface BatchNormOptions {
  momentum: number;
  epsilon: number;
  name: string;
}

/** The layer's variable `name` (tfjs-layers names them gamma, beta, ... within the layer's name scope). */
function variable(layer: BatchNormalization, name: string): LayerVariable {
  const found = layer.weights.find((w) => w.originalName.split('/').pop() === name);
  if (found === undefined) throw new Error(`batchNormalization: layer ${layer.name} has no ${name}`);
  return found;
}

/**
 * tfjs-layers' batch normalisation over the last axis, which in training runs the whole layer as one kernel
 * (LGM_BATCH_NORM_TRAIN and its gradient) where the current backend has it: TF.js's tf.moments + tf.batchNorm
 * take about 15 kernels per layer forward and backward, most of them full-size passes. The layer stays a
 * tfjs-layers BatchNormalization (same weights, config and class name, so saved models load anywhere); only its
 * training call is replaced on this instance, because tfjs-layers' Node bundle does not export the class to
 * subclass. The kernel also updates the moving averages, which tfjs-layers does with 3 small kernels per statistic.
 * Inference, and training where the kernel is absent, run tfjs-layers' own code.
 */
export function batchNormalization(options: BatchNormOptions): tfl.layers.Layer {
  const layer = tfl.layers.batchNormalization({ axis: -1, ...options });
  const own = layer.call.bind(layer);
  layer.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const fused =
      kwargs.training === true &&
      x !== undefined &&
      x.dtype === 'float32' &&
      x.rank >= 2 &&
      tf.getKernel(LGM_BATCH_NORM_TRAIN, tf.getBackend()) !== undefined;
    if (!fused) return own(inputs, kwargs);
    return tf.tidy(() => {
      const attrs: BatchNormTrainAttrs = { varianceEpsilon: options.epsilon, momentum: options.momentum };
      const [movingMean, movingVariance] = ['moving_mean', 'moving_variance'].map((n) => variable(layer, n));
      const [y, , , newMean, newVariance] = tf.engine().runKernel(
        LGM_BATCH_NORM_TRAIN,
        {
          x,
          scale: variable(layer, 'gamma').read(),
          offset: variable(layer, 'beta').read(),
          movingMean: movingMean!.read(),
          movingVariance: movingVariance!.read(),
        },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      // The kernel updated the moving averages as tfjs-layers does (v - (v - statistic) (1 - momentum)).
      movingMean!.write(newMean!);
      movingVariance!.write(newVariance!);
      return y!;
    });
  };
  return layer;
}
