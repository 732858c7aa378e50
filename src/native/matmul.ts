import type { TensorInfo } from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from './addon.js';
import { allFloat32, input, numel, type NativeKernel, type NativeKernelArgs } from './kernel.js';

/**
 * Output shape and addon dims [batchA, batchB, M, N, K, transposeA, transposeB] of a batched matmul, or null for
 * shapes the addon does not handle (mismatched inner sizes, batch broadcasting other than equal or size-1 batch).
 */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) {
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const [k2, n] = transposeB ? [cb, rb] : [rb, cb];
  const batchA = numel(outerA);
  const batchB = numel(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (k !== k2 || !(sameOuter || batchA === 1 || batchB === 1)) return null;
  const outer = outerA.length >= outerB.length ? outerA : outerB;
  // A size-1 batch broadcasts, but only when its rank does not add leading dimensions the other lacks.
  const outShape = [
    ...(batchA === 1 && batchB !== 1 ? outerB : batchB === 1 && batchA !== 1 ? outerA : outer),
    m,
    n,
  ];
  const dims = Int32Array.from([batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0]);
  return { outShape, dims, n };
}

function matMul(args: NativeKernelArgs, bias: TensorInfo | undefined, activation: string): TensorInfo | null {
  const a = input(args.inputs, 'a');
  const b = input(args.inputs, 'b');
  const p = plan(a, b, args.attrs.transposeA === true, args.attrs.transposeB === true);
  const code = ACTIVATION_CODES[activation];
  if (p === null || code === undefined || !allFloat32(a, b, bias)) return null;
  // A bias adds along the last axis: a scalar, or a vector of N (any leading 1s).
  if (
    bias !== undefined &&
    numel(bias.shape) !== 1 &&
    (numel(bias.shape) !== p.n || bias.shape.at(-1) !== p.n)
  ) {
    return null;
  }
  const { memory } = args;
  const out = memory.allocate(p.outShape);
  const alpha = (args.attrs.leakyreluAlpha as number | undefined) ?? 0.2;
  args.addon.batchMatMul(
    memory.view(a),
    memory.view(b),
    memory.view(out),
    p.dims,
    bias === undefined ? null : memory.view(bias),
    code,
    alpha,
  );
  return memory.finish(out);
}

export const batchMatMulKernel: NativeKernel = {
  kernelName: 'BatchMatMul',
  run: (args) => matMul(args, undefined, 'linear'),
};

export const fusedMatMulKernel: NativeKernel = {
  kernelName: '_FusedMatMul',
  run(args) {
    if (args.inputs.preluActivationWeights !== undefined) return null;
    return matMul(args, args.inputs.bias, (args.attrs.activation as string | undefined) ?? 'linear');
  },
};
