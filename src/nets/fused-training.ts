import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LGM_ADD_RELU } from '../util/add-relu-kernel.js';
import { batchNormTrainCall } from './batch-norm.js';

type Layer = tfl.layers.Layer;
type CallArgs = Parameters<tfl.LayersModel['call']>;

/**
 * Whether training runs a batch norm or a residual add and the ReLU that alone reads it, and a batch norm, the
 * residual add that alone reads it and that add's ReLU, as one kernel each way (LgmBatchNormReluTrain, LgmAddRelu,
 * LgmBatchNormAddReluTrain). LGM_FUSE=0 runs the layers one by one instead, with the same values, to
 * compare speed and memory in one sitting. Read on every call, so a process can switch between steps.
 */
export function trainingFusionEnabled(): boolean {
  const env = typeof process === 'undefined' ? undefined : process.env?.LGM_FUSE;
  return env !== '0';
}

/**
 * Applies `first` to `inputs`, then `relu` to its result, freeing the intermediate once the ReLU has read it (the
 * gradient tape keeps its own references to what the backward pass needs): the unfused path.
 */
function applyPair(
  first: Layer,
  relu: Layer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: CallArgs[1],
): tf.Tensor {
  const mid = first.apply(inputs, kwargs) as tf.Tensor;
  const y = relu.apply(mid, kwargs) as tf.Tensor;
  if (y !== mid) mid.dispose();
  return y;
}

/**
 * relu(batch norm(x)) in training: one LgmBatchNormReluTrain call (forward and backward one kernel each, the
 * gradient masking dy by the output inside the batch-norm gradient's passes) where the batch-norm layer trains
 * through lgm's kernels and fusion is on; else the two layers' own calls. The same values either way.
 */
export function batchNormRelu(bn: Layer, relu: Layer, x: tf.Tensor, kwargs: CallArgs[1]): tf.Tensor {
  const fused = trainingFusionEnabled() ? batchNormTrainCall(bn, x, true) : null;
  return fused ?? applyPair(bn, relu, x, kwargs);
}

/**
 * relu(batch norm(x) + shortcut) in training (a ResNet block's second batch norm, residual add and ReLU): one
 * LgmBatchNormAddReluTrain call (its gradient masks dy inside the batch-norm gradient's passes and writes the
 * masked dy once, as the shortcut's gradient) where the batch-norm layer trains through lgm's kernels and fusion is
 * on; else the batch norm, then `addRelu` (the Add's inputs in its own order: `bnFirst`). The same values either
 * way.
 */
export function batchNormAddRelu(
  layers: { bn: Layer; add: Layer; relu: Layer },
  x: tf.Tensor,
  shortcut: tf.Tensor,
  bnFirst: boolean,
  kwargs: CallArgs[1],
): tf.Tensor {
  const fused = trainingFusionEnabled() ? batchNormTrainCall(layers.bn, x, true, shortcut) : null;
  if (fused !== null) return fused;
  const y = layers.bn.apply(x, kwargs) as tf.Tensor;
  const out = addRelu(layers.add, layers.relu, bnFirst ? y : shortcut, bnFirst ? shortcut : y, kwargs);
  y.dispose();
  return out;
}

/**
 * relu(a + b) in training: one LgmAddRelu call (its gradient one LgmReluGrad pass, shared by both inputs) where
 * the kernel is registered, fusion is on and a, b are float32 of one shape; else the Add and ReLU layers' own
 * calls. The same values either way.
 */
export function addRelu(add: Layer, relu: Layer, a: tf.Tensor, b: tf.Tensor, kwargs: CallArgs[1]): tf.Tensor {
  const fused =
    trainingFusionEnabled() &&
    tf.getKernel(LGM_ADD_RELU, tf.getBackend()) !== undefined &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    tf.util.arraysEqual(a.shape, b.shape);
  return fused
    ? (tf.engine().runKernel(LGM_ADD_RELU, { a, b }) as tf.Tensor)
    : applyPair(add, relu, [a, b], kwargs);
}
