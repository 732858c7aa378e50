/**
 * Backend selection, in one place: native TensorFlow (tfjs-node-gpu, tfjs-node) when the user has installed it,
 * else wasm (threaded SIMD, with the training kernels), else the pure-JS cpu backend. A name passed in (the CLI's
 * --backend) or $LGM_BACKEND overrides the order; $LGM_THREADS / the threads option set the wasm thread count.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { LgmError } from '../util/errors.js';
import { numberOption } from '../util/options.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import {
  loadAddon,
  nativeKernelsReason,
  registerNativeKernels,
  unregisterNativeKernels,
} from '../native/index.js';
import { defaultWasmThreads, startWasm, wasmThreadsCount } from './wasm-threads.js';

/** Backend names accepted by initBackend, in the order automatic selection tries them. */
export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Options of initBackend. */
export interface InitBackendOptions {
  /** wasm threads, 1..8. Default $LGM_THREADS, else every available core (at most 8). Used at wasm's first start. */
  threads?: number;
  /**
   * Replace the hot wasm/cpu kernels by the native oneDNN addon when it is built (src/native). Default true;
   * $LGM_NATIVE=0 also turns it off. Tests that check the wasm kernels themselves pass false.
   */
  native?: boolean;
}

/** The backend in use, as `backendInfo` reports it. */
export interface BackendInfo {
  /** lgm's name of the backend (one of BACKENDS). */
  name: BackendName;
  /** TF.js's name of it ('tensorflow' for tfjs-node and tfjs-node-gpu). */
  tfName: string;
  /** Compute threads: the wasm pool size, 1 for cpu, null for native TensorFlow (it sizes its own pools). */
  threads: number | null;
  /** Whether lgm's native kernels (src/native) replace the backend's hot kernels. */
  native: boolean;
}

let current: BackendName | null = null;
let nativeOn = false;
let nativeNote: string | null = null;

/** Registers the native kernels on wasm/cpu when wanted; remembers why not, for describeBackend. */
function useNative(name: BackendName, wanted: boolean): void {
  nativeOn = false;
  nativeNote = null;
  if (name !== 'wasm' && name !== 'cpu') return;
  if (!wanted) {
    unregisterNativeKernels(name);
    return;
  }
  nativeOn = registerNativeKernels(name);
  if (!nativeOn) nativeNote = nativeKernelsReason();
}

/** Loads a native TensorFlow binding the user installed; false when it is not installed. */
async function loadNative(pkg: 'tfjs-node' | 'tfjs-node-gpu'): Promise<boolean> {
  const specifier: string = `@tensorflow/${pkg}`;
  try {
    await import(specifier);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw e;
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    throw new LgmError(
      `initBackend: @tensorflow/${pkg} must register its backend with this copy of @tensorflow/tfjs-core ` +
        `${tf.version_core}, got none (install a ${pkg} of the same version)`,
    );
  }
  return true;
}

function resolveThreads(options: InitBackendOptions): number {
  const env = process.env.LGM_THREADS;
  const fromEnv = env === undefined || env === '' ? undefined : Number(env);
  const source = options.threads !== undefined ? 'options.threads' : '$LGM_THREADS';
  return numberOption('initBackend', source, options.threads ?? fromEnv, Math.min(defaultWasmThreads(), 8), {
    min: 1,
    max: 8,
    integer: true,
  });
}

/**
 * Starts one backend; false when it is not available here (not installed, or failed to start). A native binding
 * that is installed but fails to load throws when named, and is skipped with a warning in automatic selection.
 */
async function start(name: BackendName, threads: number, named: boolean): Promise<boolean> {
  if (name === 'tfjs-node' || name === 'tfjs-node-gpu') {
    try {
      return (await loadNative(name)) && (await tf.setBackend('tensorflow'));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (named)
        throw new LgmError(`initBackend: @tensorflow/${name} is installed but failed to load: ${why}`);
      console.warn(
        `lgm: @tensorflow/${name} is installed but failed to load (${why}); trying the next backend`,
      );
      return false;
    }
  }
  if (name === 'wasm') {
    registerWasmTrainingKernels();
    try {
      await startWasm(threads);
      return true;
    } catch {
      return false;
    }
  }
  return tf.setBackend('cpu');
}

/**
 * The cpu backend prints a multi-line "install tfjs-node" banner on its first use in Node; lgm chooses its
 * backend itself (and says which), so the banner is only noise in the CLI's output.
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu !== null && 'firstUse' in cpu) cpu.firstUse = false;
}

/**
 * Selects and initialises a backend: the one named, else $LGM_BACKEND, else the first of BACKENDS available.
 * Resolves to lgm's name of the backend in use. Throws when a named backend is unknown or fails to start.
 */
export async function initBackend(name?: string, options: InitBackendOptions = {}): Promise<string> {
  silenceCpuBanner();
  const wanted = name ?? process.env.LGM_BACKEND;
  const threads = resolveThreads(options);
  const named = wanted !== undefined && wanted !== '';
  if (named && !(BACKENDS as readonly string[]).includes(wanted)) {
    throw new LgmError(`initBackend: backend must be one of ${BACKENDS.join(', ')}, got '${wanted}'`);
  }
  for (const candidate of named ? [wanted as BackendName] : BACKENDS) {
    if (await start(candidate, threads, named)) {
      await tf.ready();
      current = candidate;
      useNative(candidate, options.native ?? true);
      return candidate;
    }
  }
  throw new LgmError(
    named
      ? `initBackend: backend '${wanted}' failed to initialise`
      : 'initBackend: no backend could be initialised',
  );
}

/** The backend in use and its thread count. */
export function backendInfo(): BackendInfo {
  const tfName = tf.getBackend();
  const name: BackendName = current ?? (tfName === 'tensorflow' ? 'tfjs-node' : (tfName as BackendName));
  const threads = tfName === 'wasm' ? wasmThreadsCount() : tfName === 'cpu' ? 1 : null;
  return { name, tfName, threads, native: nativeOn };
}

/**
 * One line for logs, e.g. "backend: wasm (2 threads, native kernels: oneDNN 2.6.3 (avx2))". The instruction set
 * is there because oneDNN picks its algorithms by it, so it decides the rounding of a run (docs/native.md).
 */
export function describeBackend(): string {
  const { name, threads, native } = backendInfo();
  const parts = threads === null ? [] : [`${threads} thread${threads === 1 ? '' : 's'}`];
  if (native) parts.push(`native kernels: ${loadAddon().addon?.version() ?? 'unknown version'}`);
  else if (nativeNote !== null) parts.push(`native kernels off: ${nativeNote}`);
  return `backend: ${name}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}
