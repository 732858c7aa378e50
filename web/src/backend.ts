/**
 * Picks the fastest TF.js backend the browser offers: WebGPU, then WebGL, then WebAssembly (then plain JS).
 * A GPU backend that only runs on a software rasteriser (SwiftShader, llvmpipe: what headless browsers without a
 * GPU get) is skipped, because wasm is faster than an emulated GPU; the skip is reported to the user.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmTrainingKernels } from 'lgm/core';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** The outcome of the backend search. */
export interface BackendChoice {
  /** The backend in use. */
  name: BackendName;
  /** True for WebGPU/WebGL on real hardware (not a software emulation). */
  fast: boolean;
  /** Why each faster backend was not used (empty when the first choice worked). */
  skipped: string[];
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The part of the WebGPU API used here (typed locally: not every TypeScript DOM library declares WebGPU). */
interface GpuLike {
  requestAdapter(): Promise<{ isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } } | null>;
}

/** An attempt's outcome: in use (on real hardware or not), or the reason it was not used. */
type Attempt = { fast: boolean } | { reason: string };

async function activate(name: BackendName, fast: boolean): Promise<Attempt> {
  return (await tf.setBackend(name)) ? { fast } : { reason: `${name}: initialisation failed` };
}

async function tryWebGpu(forced: boolean): Promise<Attempt> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (gpu === undefined) return { reason: 'WebGPU: not offered by this browser' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return { reason: 'WebGPU: no GPU adapter' };
  const software = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  if (software && !forced) return { reason: 'WebGPU: only a software (fallback) adapter' };
  await import('@tensorflow/tfjs-backend-webgpu');
  return activate('webgpu', !software);
}

function webGlRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

async function tryWebGl(forced: boolean): Promise<Attempt> {
  const renderer = webGlRenderer();
  if (renderer === null) return { reason: 'WebGL: WebGL 2 not available' };
  const software = SOFTWARE_RENDERER.test(renderer);
  if (software && !forced) return { reason: `WebGL: software renderer only (${renderer})` };
  await import('@tensorflow/tfjs-backend-webgl');
  return activate('webgl', !software);
}

async function tryWasm(): Promise<Attempt> {
  // Vite fingerprints the binaries; tell the backend where each one went.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const attempt = await activate('wasm', false);
  // tfjs-backend-wasm 4.22 cannot train CNNs alone (missing and wrong gradient kernels): lgm adds them.
  if ('fast' in attempt) registerWasmTrainingKernels();
  return attempt;
}

const ATTEMPTS: Record<BackendName, (forced: boolean) => Promise<Attempt>> = {
  webgpu: tryWebGpu,
  webgl: tryWebGl,
  wasm: tryWasm,
  cpu: () => activate('cpu', false),
};

/**
 * Initialises the first backend of BACKEND_ORDER that works, or only `forced` when given (?backend=... in the
 * page address, for comparisons and tests; a forced GPU backend may be software-emulated, and is then not
 * called fast). Throws when none works.
 */
export async function chooseBackend(forced?: BackendName): Promise<BackendChoice> {
  const skipped: string[] = [];
  for (const name of forced === undefined ? BACKEND_ORDER : [forced]) {
    let attempt: Attempt;
    try {
      attempt = await ATTEMPTS[name](forced !== undefined);
    } catch (err) {
      attempt = { reason: `${name}: ${err instanceof Error ? err.message : String(err)}` };
    }
    if ('fast' in attempt) {
      await tf.ready();
      return { name, fast: attempt.fast, skipped };
    }
    skipped.push(attempt.reason);
  }
  throw new Error(`no TF.js backend could be initialised: ${skipped.join('; ')}`);
}

/** Parses the ?backend= value; undefined when absent, an error message for an unknown name. */
export function parseBackend(value: string | null): BackendName | undefined {
  if (value === null || value === '') return undefined;
  if (!(BACKEND_ORDER as readonly string[]).includes(value)) {
    throw new Error(`?backend must be one of ${BACKEND_ORDER.join(', ')}, got '${value}'`);
  }
  return value as BackendName;
}
