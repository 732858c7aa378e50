import { input, type NativeKernel } from './kernel.js';

/**
 * Identity without a copy. TF.js clones every tensor it saves for the backward pass through this kernel; the wasm
 * backend copies the bytes each time (six [64,28,28,32] copies per LeNet++ step), while sharing the data is what
 * the cpu backend and wasm's own Reshape do. Any dtype: nothing is computed.
 */
export const identityKernel: NativeKernel = {
  kernelName: 'Identity',
  run: ({ inputs, memory }) => memory.share(input(inputs, 'x')),
};
