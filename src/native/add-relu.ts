/**
 * relu(a + b) in one pass (the contract: util/add-relu-kernel.ts), on the addon's element-wise loop
 * (native/src/elementwise.cc, op ADD_RELU): a ResNet block's residual add and ReLU in inference read both inputs
 * and write the output once, where Add and Relu write and read an intermediate.
 */
import * as tf from '@tensorflow/tfjs-core';
import { util, type GradConfig } from '@tensorflow/tfjs-core';
import { LGM_ADD_RELU } from '../util/add-relu-kernel.js';
import { RELU_GRAD, broadcastDims } from './elementwise.js';
import { allFloat32, input, type NativeKernel } from './kernel.js';

/** The op code of relu(a + b) in native/src/elementwise.cc. */
const ADD_RELU_OP = 8;

export const addReluKernel: NativeKernel = {
  kernelName: LGM_ADD_RELU,
  run({ inputs, memory, addon }) {
    const [a, b] = [input(inputs, 'a'), input(inputs, 'b')];
    if (!allFloat32(a, b) || !util.arraysEqual(a.shape, b.shape)) return null;
    const out = memory.allocate([...a.shape]);
    addon.binary(
      memory.view(a),
      memory.view(b),
      memory.view(out),
      broadcastDims(a.shape, b.shape, a.shape),
      ADD_RELU_OP,
    );
    return memory.finish(out);
  },
};

/**
 * The gradient of LGM_ADD_RELU, dy * step(y) for both inputs (y = relu(a + b): step(y) = step(a + b), NaN where
 * a + b is NaN, as Relu's gradient), computed once (LgmReluGrad where registered) and handed to the second input
 * as a clone: a clone shares the data (Identity), so one pass serves both inputs, and each input still gets a
 * tensor of its own, which the tape (and releasingVariableGrads) dispose one at a time. Registered once for every
 * backend; the kernel, and so this gradient's use, exists only where the native kernels are registered.
 */
export const addReluGradient: GradConfig = {
  kernelName: LGM_ADD_RELU,
  outputsToSave: [true],
  gradFunc(dy, saved) {
    const [y] = saved;
    const grad =
      tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
        ? (tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: y! }) as tf.Tensor)
        : tf.mul(dy as tf.Tensor, tf.step(y!));
    // The tape takes a's gradient before b's, and may dispose a's (adding it to another) only at a later node.
    return { a: () => grad, b: () => grad.clone() };
  },
};
