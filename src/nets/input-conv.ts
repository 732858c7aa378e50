import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type ConvArgs = Parameters<typeof tfl.layers.conv2d>[0];
type Conv2D = ReturnType<typeof tfl.layers.conv2d>;
type CallArgs = Parameters<Conv2D['call']>;

/** The layer's variable `name` (kernel, bias), as tfjs-layers names it within the layer's name scope. */
function variable(layer: Conv2D, name: string) {
  return layer.weights.find((w) => w.originalName.split('/').pop() === name);
}

/**
 * tfjs-layers' conv2d for the layer that reads a network's input image. tfjs-layers runs every convolution as
 * tf.fused.conv2d, whose gradient computes the gradient of the input even where nothing uses it; for the first
 * layer that is the image's gradient, a whole backward-data convolution per step that training throws away
 * (ResNet-20 and LeNet++: docs/performance.md). In training, this layer's call runs tf.conv2d and adds the bias
 * instead: the same values, and Conv2D's gradient computes the input's gradient only when it is asked for (an
 * attack differentiating with respect to the image still gets it). Other calls, and configurations other than a
 * linear NHWC convolution without dilation, run tfjs-layers' own code. The layer stays a tfjs-layers Conv2D.
 */
export function inputConv2d(args: ConvArgs): tfl.layers.Layer {
  const layer = tfl.layers.conv2d(args);
  const own = layer.call.bind(layer);
  layer.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    const config = layer.getConfig();
    const plain =
      config.activation === 'linear' &&
      config.dataFormat === 'channelsLast' &&
      (config.dilationRate as number[]).every((d) => d === 1);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const kernel = variable(layer, 'kernel');
    if (kwargs.training !== true || !plain || x?.rank !== 4 || kernel === undefined)
      return own(inputs, kwargs);
    return tf.tidy(() => {
      const strides = config.strides as [number, number];
      const padding = config.padding as 'same' | 'valid';
      const y = tf.conv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, strides, padding);
      const bias = variable(layer, 'bias');
      return bias === undefined ? y : tf.add(y, bias.read());
    });
  };
  return layer;
}
