/**
 * Multi-threaded wasm in Node. tfjs-backend-wasm 4.22 ships a threaded SIMD build but never uses it in Node:
 *  1. the flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE;
 *  2. the pthread worker script is handed to `new Worker` as a blob: URL, which worker_threads cannot load;
 *  3. that worker then loads the main Emscripten script from a Blob, which its Node shim cannot read either;
 *  4. the XNNPACK thread pool defaults to cpus/2 threads (1 on a 2-core machine).
 * `startWasm` handles all four: it sets the flag, makes URL.createObjectURL return a data: URL of a small
 * ES-module worker (only while the backend starts, and only for the pthread worker's Blob) that loads the package's own worker and main scripts from disk, and grows the pool
 * once the workers have loaded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Files of the installed tfjs-backend-wasm that the pthread workers load. */
function wasmOutFiles(): { worker: string; main: string } {
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const out = join(dist, '..', 'wasm-out');
  return {
    worker: join(out, 'tfjs-backend-wasm-threaded-simd.worker.js'),
    main: join(out, 'tfjs-backend-wasm-threaded-simd.js'),
  };
}

/**
 * Source of the pthread worker (an ES module, so it can be a data: URL). It gives the Emscripten worker shim the
 * CommonJS globals it expects, runs it (the package file exports it as a string), and replaces the Blob it is told to load (point 3) with the file on disk.
 */
function workerSource(files: { worker: string; main: string }): string {
  const worker = JSON.stringify(files.worker);
  const main = JSON.stringify(files.main);
  return [
    `import { createRequire } from 'node:module';`,
    `import { dirname } from 'node:path';`,
    `globalThis.require = createRequire(${main});`,
    `globalThis.__filename = ${main};`,
    `globalThis.__dirname = dirname(${main});`,
    // The exported string holds a literal newline inside a JS string (as tfjs notes); escape it back before eval.
    `(0, eval)(globalThis.require(${worker}).wasmWorkerContents.replace(/\\n/g, '\\\\n'));`,
    `const handle = globalThis.onmessage;`,
    `globalThis.onmessage = (e) => {`,
    `  if (e.data && e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string') e.data.urlOrBlob = ${main};`,
    `  handle(e);`,
    `};`,
  ].join('\n');
}

/** Whether this Node can run threaded wasm at all (shared memory, atomics, worker_threads). */
export function nodeSupportsWasmThreads(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    // A module with a shared memory and an atomic load (from wasm-feature-detect, as tfjs uses in browsers).
    return WebAssembly.validate(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0,
        254, 16, 2, 0, 26, 11,
      ]),
    );
  } catch {
    return false;
  }
}

/** Default thread count: every core the process may use (tfjs would take half). */
export function defaultWasmThreads(): number {
  return os.availableParallelism();
}

/** The wasm module's own thread-pool calls (present in every build). */
interface WasmThreadApi {
  tfjs: { initWithThreadsCount(n: number): void; getThreadsCount(): number };
  PThread?: { unusedWorkers: { loaded?: boolean }[]; runningWorkers: { unref(): void }[] };
}

function wasmModule(): WasmThreadApi {
  return (tf.findBackend('wasm') as unknown as { wasm: WasmThreadApi }).wasm;
}

/** Threads of the wasm backend's XNNPACK pool (1 for the single-threaded builds). */
export function wasmThreadsCount(): number {
  return Math.max(1, wasmModule().tfjs.getThreadsCount());
}

/**
 * Installs the hooks for the threaded build; returns a function that removes them. The module starts with one
 * thread: creating the pool inside the backend's constructor blocks before the pthread workers have loaded.
 */
function hookThreadedStart(threads: number): () => void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(1);
  const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerSource(wasmOutFiles()))}`);
  const originalUrl = URL.createObjectURL;
  // tfjs's locateFile wraps the pthread worker script in a Blob of this type; nothing else is redirected.
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? (workerUrl as unknown as string)
      : originalUrl.call(URL, obj);
  // The module caps its pool at emscripten_num_logical_cores() / 2, read once from os.cpus().length while it
  // starts: report twice the wanted count until then.
  const originalCpus = os.cpus;
  const cpus = originalCpus();
  os.cpus = () => Array.from({ length: Math.max(2 * threads, cpus.length) }, (_, i) => cpus[i % cpus.length]);
  return () => {
    URL.createObjectURL = originalUrl;
    os.cpus = originalCpus;
  };
}

/** Waits until every pre-spawned pthread worker has loaded the module (they load asynchronously). */
async function workersLoaded(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const workers = wasmModule().PThread?.unusedWorkers ?? [];
    if (workers.every((w) => w.loaded === true)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts the threaded or the single-threaded SIMD build; false when tf.setBackend fails. */
async function startBuild(threaded: boolean, threads: number): Promise<boolean> {
  let unhook = () => {};
  if (threaded) unhook = hookThreadedStart(threads);
  else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
  }
  try {
    if (!(await tf.setBackend('wasm'))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  } finally {
    unhook();
  }
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads (at most 8, the workers the module pre-spawns). With 1
 * thread, or where Node cannot run threaded wasm, it starts the single-threaded SIMD build, which needs no
 * workers. Resolves to the thread count in use; rejects when wasm cannot start at all.
 */
export async function startWasm(threads: number): Promise<number> {
  // (tf.findBackend would start it, so look in the registry of started backends.)
  if (tf.engine().registry.wasm !== undefined) {
    // Already started (its thread count is fixed by then): just switch to it.
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend returned false');
    return wasmThreadsCount();
  }
  const threaded = threads > 1 && nodeSupportsWasmThreads();
  if (threaded && !(await startBuild(true, threads))) {
    // The threaded build did not start here: fall back to the single-threaded one.
    console.warn('lgm: threaded wasm failed to start; using 1 thread');
    return startWasm(1);
  }
  if (!threaded && !(await startBuild(false, 1))) throw new Error('the wasm backend failed to start');
  if (threaded && (await workersLoaded(10000))) {
    const module = wasmModule();
    module.tfjs.initWithThreadsCount(Math.min(threads, 8));
    // Emscripten refs a worker while its pthread runs; XNNPACK's pool threads run for the life of the process,
    // which would then never exit on its own.
    for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
  }
  return wasmThreadsCount();
}
