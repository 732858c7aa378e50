import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  LGM_BATCH_NORM_ADD_RELU_TRAIN,
  LGM_BATCH_NORM_RELU_TRAIN,
  LGM_BATCH_NORM_TRAIN,
  type BatchNormTrainAttrs,
} from '../util/batch-norm-kernel.js';

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

/** The layers `batchNormalization` made (only these train through lgm's kernels). */
const lgmLayers = new WeakSet<tfl.layers.Layer>();

/**
 * Batch norm `layer` (one `batchNormalization` made) in training on x as one LGM_BATCH_NORM_TRAIN call; with
 * `relu` one LGM_BATCH_NORM_RELU_TRAIN call (relu(batch norm), for a batch norm whose only reader is a ReLU), and
 * with a shortcut too one LGM_BATCH_NORM_ADD_RELU_TRAIN call (relu(batch norm + shortcut), for one whose only
 * reader is a residual add read only by a ReLU: fused-training.ts); the kernel also writes the layer's moving
 * averages. Null where that kernel is not registered on the current backend, x is not float32 of rank >= 2 or the
 * shortcut not float32 of x's shape: the caller then runs the layers as tfjs-layers does.
 */
export function batchNormTrainCall(
  layer: tfl.layers.Layer,
  x: tf.Tensor,
  relu = false,
  shortcut?: tf.Tensor,
): tf.Tensor | null {
  const add = relu && shortcut !== undefined;
  const kernel = add
    ? LGM_BATCH_NORM_ADD_RELU_TRAIN
    : relu
      ? LGM_BATCH_NORM_RELU_TRAIN
      : LGM_BATCH_NORM_TRAIN;
  const usable =
    lgmLayers.has(layer) &&
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    (!add || (shortcut.dtype === 'float32' && tf.util.arraysEqual(shortcut.shape, x.shape))) &&
    tf.getKernel(kernel, tf.getBackend()) !== undefined;
  if (!usable) return null;
  const bn = layer as BatchNormalization;
  const config = bn.getConfig();
  return tf.tidy(() => {
    const attrs: BatchNormTrainAttrs = {
      varianceEpsilon: config.epsilon as number,
      momentum: config.momentum as number,
    };
    const [movingMean, movingVariance] = ['moving_mean', 'moving_variance'].map((n) => variable(bn, n));
    const [y, , , newMean, newVariance] = tf.engine().runKernel(
      kernel,
      {
        x,
        scale: variable(bn, 'gamma').read(),
        offset: variable(bn, 'beta').read(),
        movingMean: movingMean!.read(),
        movingVariance: movingVariance!.read(),
        ...(add ? { shortcut } : {}),
      },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    // The kernel updated the moving averages as tfjs-layers does (v - (v - statistic) (1 - momentum)).
    movingMean!.write(newMean!);
    movingVariance!.write(newVariance!);
    return y!;
  });
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
  lgmLayers.add(layer);
  const own = layer.call.bind(layer);
  layer.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const y = kwargs.training === true && x !== undefined ? batchNormTrainCall(layer, x, false) : null;
    return y ?? own(inputs, kwargs);
  };
  return layer;
}
