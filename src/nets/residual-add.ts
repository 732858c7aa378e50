import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Add = ReturnType<typeof tfl.layers.add>;
type CallArgs = Parameters<Add['call']>;

/**
 * a + b for two tensors of one shape, whose gradient (dy to both) keeps no tensor on the tape. TF.js's Add keeps
 * both inputs for its gradient, only to read their shapes for broadcasting; in a ResNet block one of them is the
 * second batch norm's output, which nothing else keeps, so each block held one more activation until the
 * backward pass reached it.
 */
const sameShapeAdd = tf.customGrad((a, b) => {
  const [x, y] = [a as tf.Tensor, b as tf.Tensor];
  return {
    value: tf.add(x, y),
    // One tensor per input (reshape shares the data): the tape accumulates and disposes each on its own.
    gradFunc: (dy) => [tf.reshape(dy as tf.Tensor, x.shape), tf.reshape(dy as tf.Tensor, y.shape)],
  };
});

/**
 * tfjs-layers' Add layer for a residual sum. The layer stays a tfjs-layers Add (same config and class name, so
 * saved models load anywhere); only its call on two float32 inputs of one shape is replaced on this instance
 * (tfjs-layers' Node bundle does not export the class to subclass), with the same values.
 */
export function residualAdd(name: string): tfl.layers.Layer {
  const layer = tfl.layers.add({ name });
  const own = layer.call.bind(layer);
  layer.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    const [a, b] = Array.isArray(inputs) ? inputs : [inputs];
    const same =
      Array.isArray(inputs) &&
      inputs.length === 2 &&
      a !== undefined &&
      b !== undefined &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      tf.util.arraysEqual(a.shape, b.shape);
    return same ? (sameShapeAdd(a, b) as tf.Tensor) : own(inputs, kwargs);
  };
  return layer;
}
