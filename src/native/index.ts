export { loadAddon, ADDON_PATH, type NativeAddon, type AddonLoad } from './addon.js';
export { NATIVE_BACKENDS, type NativeBackendName } from './memory.js';
export {
  NATIVE_KERNELS,
  registerNativeKernels,
  unregisterNativeKernels,
  nativeKernelsRegistered,
  nativeKernelsReason,
  nativeKernelCalls,
} from './register.js';
