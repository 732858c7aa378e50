export {
  BACKENDS,
  backendInfo,
  describeBackend,
  initBackend,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './select.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';
export { nodeSupportsWasmThreads, wasmThreadsCount } from './wasm-threads.js';
