import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import type { OptimizerConfig } from './config.js';
import { LGM_SGD_UPDATE, type LgmSgdUpdateAttrs } from '../gm/kernel-names.js';

/** One parameter the optimizer updates. */
export interface Param {
  /** Stable name (checkpoint key), e.g. 'net/3/conv2_1/kernel' or 'loss/means'. */
  key: string;
  variable: tf.Variable;
  /** Whether L2 weight decay applies. */
  decay: boolean;
  /** Multiplier of the learning rate for this parameter (the GM multiplier, or 1). */
  lrScale: number;
}

/**
 * SGD with (Nesterov) momentum and Adam, written out so that the state is explicit (saved and restored
 * bit-exactly by checkpoints) and so that per-parameter weight decay and learning-rate multipliers are plain.
 * Weight decay is L2 added to the gradient (g + wd * w), as in Caffe, where the L-GM reference runs were made.
 */
export class Optimizer {
  private readonly slots = new Map<string, tf.Variable[]>();
  /** Number of updates applied (Adam's bias correction uses it). */
  steps = 0;

  constructor(
    private readonly config: OptimizerConfig,
    private readonly params: readonly Param[],
  ) {
    const count = config.name === 'adam' ? 2 : config.momentum > 0 ? 1 : 0;
    for (const p of params) {
      this.slots.set(
        p.key,
        Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false))),
      );
    }
  }

  /** Names of the state tensors, in a fixed order. */
  private slotKeys(key: string): string[] {
    return (this.slots.get(key) ?? []).map((_, i) => `opt/${key}/${i}`);
  }

  /**
   * Applies one update given gradients keyed by each variable's `name`. Each parameter's rate is lr times
   * `scale(param)` (default its lrScale).
   */
  apply(
    grads: Record<string, tf.Tensor>,
    lr: number,
    scale: (param: Param) => number = (p) => p.lrScale,
  ): void {
    const { name, momentum, nesterov, beta1, beta2, epsilon, weightDecay } = this.config;
    this.steps++;
    const t = this.steps;
    // SGD as one kernel per parameter where a backend registers it (the native addon): the same arithmetic as the
    // ops below, in one pass instead of 4-7 kernels.
    const fused = name !== 'adam' && tf.getKernel(LGM_SGD_UPDATE, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      for (const p of this.params) {
        let g = grads[p.variable.name];
        if (g == null) continue; // no gradient (tf.variableGrads gives null for a variable the loss ignores)
        const rate = lr * scale(p);
        const slots = this.slots.get(p.key) as tf.Variable[];
        if (fused && g.dtype === 'float32' && p.variable.dtype === 'float32') {
          const attrs: LgmSgdUpdateAttrs = {
            rate,
            momentum,
            weightDecay: p.decay ? weightDecay : 0,
            nesterov,
          };
          const inputs: tf.NamedTensorMap = { w: p.variable, g };
          if (slots.length === 1) inputs.v = slots[0];
          const out = tf.engine().runKernel(LGM_SGD_UPDATE, inputs, { ...attrs }) as tf.Tensor[];
          if (slots.length === 1) slots[0].assign(out[1]);
          p.variable.assign(out[0]);
          continue;
        }
        if (p.decay && weightDecay > 0) g = tf.add(g, tf.mul(p.variable, weightDecay));
        let step: tf.Tensor;
        if (name === 'adam') {
          const [m, v] = slots;
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
          const mHat = tf.div(m, 1 - beta1 ** t);
          const vHat = tf.div(v, 1 - beta2 ** t);
          step = tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon));
        } else if (slots.length === 1) {
          // v = mu v + g; plain: w -= lr v; Nesterov: w -= lr (g + mu v) (Sutskever et al. 2013, as in PyTorch).
          const [v] = slots;
          v.assign(tf.add(tf.mul(v, momentum), g));
          step = nesterov ? tf.add(g, tf.mul(v, momentum)) : v;
        } else {
          step = g;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(step, rate)));
      }
    });
  }

  /** The optimizer state as named tensors (views of the slots; do not dispose). */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const p of this.params) {
      const keys = this.slotKeys(p.key);
      (this.slots.get(p.key) as tf.Variable[]).forEach((s, i) => (out[keys[i]] = s));
    }
    return out;
  }

  /** Restores the state saved by `state()` (plus the step count); throws naming a missing or misshapen slot. */
  load(values: (key: string) => { shape: number[]; values: Float32Array } | undefined, steps: number): void {
    for (const p of this.params) {
      const keys = this.slotKeys(p.key);
      (this.slots.get(p.key) as tf.Variable[]).forEach((slot, i) => {
        const saved = values(keys[i]);
        if (saved === undefined || saved.shape.join(',') !== slot.shape.join(',')) {
          throw new LgmError(
            `optimizer: checkpoint tensor ${keys[i]} must have shape [${slot.shape.join(',')}], got ${saved === undefined ? 'none' : `[${saved.shape.join(',')}]`}`,
          );
        }
        tf.tidy(() => slot.assign(tf.tensor(saved.values, saved.shape, 'float32')));
      });
    }
    this.steps = steps;
  }

  /** Disposes the optimizer's state (its moment tensors). */
  dispose(): void {
    for (const slots of this.slots.values()) for (const s of slots) s.dispose();
  }
}
