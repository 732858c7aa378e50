/**
 * tfjs-core's Node entry registers kernels but no gradients; the tfjs-layers bundle registers all of them in
 * the global gradient registry. Importing it here makes tf.grads work for users of tfjs-core alone.
 */
import '@tensorflow/tfjs-layers';
