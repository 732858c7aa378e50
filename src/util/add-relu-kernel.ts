/**
 * The contract of lgm's fused residual add + ReLU kernel: relu(a + b) for float32 a and b of the same shape, one
 * pass where TF.js runs Add and then Relu. Only the native addon registers it (src/native/add-relu.ts); the ResNets'
 * folded inference (src/nets/folded-inference.ts) calls it where it is registered and runs tf.relu(tf.add(a, b))
 * otherwise, and the training plan (src/nets/fused-training.ts) for an Add read only by a ReLU that no batch norm
 * feeds alone. Its gradient, dy * step(relu(a + b)) for both inputs, is registered with it.
 */
export const LGM_ADD_RELU = 'LgmAddRelu';
