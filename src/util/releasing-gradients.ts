import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of a tfjs-core 4.x tape node this module touches (engine.ts `TapeNode`). They are internal to
 * tfjs-core, so every access is checked and a tape without them is left alone (plain tf.variableGrads).
 */
interface TapeNode {
  saved?: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

interface EngineState {
  activeTape: TapeNode[] | null;
  gradientDepth: number;
}

function engineState(): Partial<EngineState> | null {
  const state = (tf.engine() as unknown as { state?: Partial<EngineState> }).state;
  return state != null && typeof state.gradientDepth === 'number' ? state : null;
}

/**
 * tf.variableGrads, with each step's memory released as the backward pass goes. tfjs-core keeps every tensor a
 * kernel saved for its gradient, and every intermediate gradient, until the whole backward pass returns, so a
 * training step's peak holds all of them at once (PyTorch frees each as soon as its node has run). Here each
 * tape node's gradient function is wrapped, once the forward pass has recorded the tape: when backprop reaches a
 * node, the previous node's saved tensors and the gradients of its outputs (which no later node reads: each
 * tensor has one producer, and backprop runs in reverse tape order) are disposed. A gradient function that
 * returns one of those tensors itself, or one tensor for two inputs, gets a clone, so nothing handed on is
 * disposed. The values are the same kernels on the same inputs as tf.variableGrads; only when tensors are
 * freed changes.
 *
 * Only the outermost gradient (no enclosing tf.grad) is wrapped; a nested call is plain tf.variableGrads.
 */
export function releasingVariableGrads(
  f: () => tf.Scalar,
  varList: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const outer = engineState();
  if (outer == null || outer.gradientDepth !== 0 || !releaseEnabled()) return tf.variableGrads(f, varList);
  // The tensors of the node backprop passed last; those of the final node are the engine's to free (it disposes
  // every saved tensor and the backward scope; disposing twice is a no-op).
  let pending: tf.Tensor[] = [];
  const onEnter = (done: tf.Tensor[]) => {
    tf.dispose(pending);
    pending = done;
  };
  return tf.variableGrads(() => {
    const value = f();
    const state = engineState();
    if (Array.isArray(state?.activeTape) && state.gradientDepth === 1) {
      for (const node of state.activeTape) wrapNode(node, onEnter);
    }
    return value;
  }, varList);
}

/** LGM_RELEASE_GRADIENTS=0 keeps tfjs-core's own timing (to compare memory and speed in one sitting). */
function releaseEnabled(): boolean {
  const env = typeof process === 'undefined' ? undefined : process.env?.LGM_RELEASE_GRADIENTS;
  return env !== '0';
}

function wrapNode(node: TapeNode, onEnter: (done: tf.Tensor[]) => void): void {
  const gradient = node.gradient;
  if (typeof gradient !== 'function') return;
  const saved = Array.isArray(node.saved) ? node.saved : [];
  node.gradient = (dys) => {
    // The node before this one in backprop order has had all its input gradients computed by now.
    const inputs = [...dys.filter((dy): dy is tf.Tensor => dy != null), ...saved];
    onEnter(inputs);
    const thunks = gradient(dys);
    // Each input's gradient must be a tensor of its own: the dy or saved tensor it may be is freed with this node,
    // and one tensor handed to two inputs would be freed with the first input's producer.
    const handedOut: tf.Tensor[] = [];
    const guarded: Record<string, () => tf.Tensor> = {};
    for (const name of Object.keys(thunks)) {
      guarded[name] = () => {
        const dx = thunks[name]();
        const own = inputs.includes(dx) || handedOut.includes(dx) ? dx.clone() : dx;
        handedOut.push(own);
        return own;
      };
    }
    return guarded;
  };
}
