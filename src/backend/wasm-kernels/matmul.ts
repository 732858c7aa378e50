/**
 * BatchMatMul and _FusedMatMul with transposed operands. wasm 4.22 is much slower when either operand is
 * transposed, which is how every matMul gradient calls it; transposing the operand first (a fast wasm kernel)
 * and multiplying untransposed is faster and gives the same values (docs/performance.md, "Measurements behind code choices").
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, release, transpose, type KernelParams, type Temp } from './kernel-utils.js';

/** Swaps the last two axes. */
function swapLast(backend: ReturnType<typeof asWasm>, x: tf.TensorInfo): Temp {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(backend, x, perm);
}

/** Wraps the original matmul kernel (BatchMatMul or _FusedMatMul) so that it only sees untransposed operands. */
export function untransposedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }: KernelParams) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original({ inputs, backend: b, attrs });
    const backend = asWasm(b);
    const { a, b: bIn } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const temps = [transposeA ? swapLast(backend, a) : a, transposeB ? swapLast(backend, bIn) : bIn];
    const out = original({
      inputs: { ...inputs, a: temps[0], b: temps[1] },
      backend: b,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    release(backend, ...temps.filter((t) => t !== a && t !== bIn));
    return out;
  };
}
