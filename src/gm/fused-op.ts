import * as tf from '@tensorflow/tfjs-core';

/**
 * How lgm calls its fused kernels (the L-GM distance and loss): a forward kernel with outputs
 * [value, state] and a gradient kernel with inputs dy, state and the forward inputs, returning one gradient per
 * differentiable input in order. Only the addon registers these kernel names, so callers check first
 * (`fusedKernelServes`) and otherwise run the same algorithm as TF.js ops.
 */

/** Whether kernel `name` is registered on the current backend and every given tensor is float32. */
export function fusedKernelServes(name: string, tensors: (tf.Tensor | null | undefined)[]): boolean {
  const float = tensors.every((t) => t === null || t === undefined || t.dtype === 'float32');
  return float && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * Runs `forwardKernel` under tf.customGrad with `gradKernel` as its gradient. `differentiable` are the named
 * inputs that get gradients (absent ones are left out, names kept); `constants` are named inputs without one.
 * Returns the forward kernel's value; its state is kept for the gradient call.
 */
export function fusedOp(
  forwardKernel: string,
  gradKernel: string,
  differentiable: Record<string, tf.Tensor | null | undefined>,
  constants: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap,
): tf.Tensor {
  const names = Object.keys(differentiable).filter((name) => differentiable[name]);
  const constantNames = Object.keys(constants);
  const forward = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor[];
    const named: tf.NamedTensorMap = { ...constants };
    names.forEach((name, i) => (named[name] = inputs[i]!));
    const [value, state] = tf.engine().runKernel(forwardKernel, named, attrs) as tf.Tensor[];
    save([state!, ...inputs, ...constantNames.map((name) => constants[name]!)]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [savedState, ...rest] = saved;
      const gradInputs: tf.NamedTensorMap = { dy, state: savedState! };
      [...names, ...constantNames].forEach((name, i) => (gradInputs[name] = rest[i]!));
      return tf.engine().runKernel(gradKernel, gradInputs, attrs) as tf.Tensor[];
    };
    return { value: value!, gradFunc };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...names.map((name) => differentiable[name]!));
}
