/**
 * The machine's measured single-precision peak: the best GFLOP/s of square sgemm calls on the cores this process
 * runs on, through the native addon's oneDNN sgemm (the library lgm's convolutions and products run on), or
 * through the backend's matMul where the addon is absent (then the figure is that backend's own peak, and says
 * so). Benchmarks report their achieved GFLOP/s as a fraction of it. Best-of, not median: the peak is what the
 * cores can do when the product gets them; the load of the moment is what the fraction then shows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon } from '../../native/index.js';
import { BACKEND_FLAG, type FlagDef, integerFlag, parseFlagTable, usageText } from '../flags.js';
import { backendInfo, initBackend } from '../../backend/index.js';
import { type Benchmark, round3 } from './benchmark.js';

/** One peak measurement. */
export interface PeakResult {
  /** Best GFLOP/s over the calls. */
  gflops: number;
  /** Median GFLOP/s over the calls (how steady the cores were meanwhile). */
  medianGflops: number;
  /** What ran the product: 'oneDNN sgemm (native addon)' or 'tf.matMul on <backend>'. */
  source: string;
  /** Matrix size: [size x size] times [size x size]. */
  size: number;
  /** Timed calls. */
  calls: number;
}

function seededMatrix(size: number, seed: number): Float32Array {
  const out = new Float32Array(size * size);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function summarise(seconds: number[], size: number, source: string): PeakResult {
  const flops = 2 * size ** 3;
  const rates = seconds.map((s) => flops / s / 1e9).sort((a, b) => a - b);
  return {
    gflops: round3(rates[rates.length - 1]),
    medianGflops: round3(rates[Math.floor(rates.length / 2)]),
    source,
    size,
    calls: rates.length,
  };
}

/**
 * Times `calls` products of two size x size float32 matrices (after one untimed call) and returns the best rate.
 * Uses the addon when it loads, else tf.matMul on the current backend.
 */
export function measurePeak(size = 1024, calls = 8): PeakResult {
  const a = seededMatrix(size, 1);
  const b = seededMatrix(size, 2);
  const { addon } = loadAddon();
  const seconds: number[] = [];
  if (addon !== null) {
    const c = new Float32Array(size * size);
    const dims = Int32Array.from([1, 1, size, size, size, 0, 0]);
    for (let i = 0; i <= calls; i++) {
      const start = performance.now();
      addon.batchMatMul(a, b, c, dims, null, 0, 0);
      if (i > 0) seconds.push((performance.now() - start) / 1000);
    }
    return summarise(seconds, size, 'oneDNN sgemm (native addon)');
  }
  const [ta, tb] = [tf.tensor2d(a, [size, size]), tf.tensor2d(b, [size, size])];
  try {
    for (let i = 0; i <= calls; i++) {
      const start = performance.now();
      tf.tidy(() => tf.matMul(ta, tb).dataSync());
      if (i > 0) seconds.push((performance.now() - start) / 1000);
    }
  } finally {
    tf.dispose([ta, tb]);
  }
  return summarise(seconds, size, `tf.matMul on ${tf.getBackend()}`);
}

/** Achieved GFLOP/s of `flops` per step at `msPerStep`, and its fraction of `peak`. */
export function achieved(flops: number, msPerStep: number, peak: PeakResult | null) {
  const gflops = flops / (msPerStep / 1000) / 1e9;
  return {
    gflopsPerSecond: round3(gflops),
    peakGflops: peak?.gflops ?? null,
    fractionOfPeak: peak === null ? null : round3(gflops / peak.gflops),
  };
}

const FLAGS = [
  { name: 'size', value: '<n>', help: 'rows and columns of each matrix (default 1024)' },
  { name: 'calls', value: '<n>', help: 'timed products (default 8)' },
  BACKEND_FLAG,
] as const satisfies readonly FlagDef[];

export const peakBenchmark: Benchmark = {
  name: 'peak',
  summary: "the machine's measured float32 peak: best GFLOP/s of square sgemm (oneDNN via the native addon)",
  usage: usageText({
    synopsis: ['lgm bench peak [options]'],
    about: [
      'Times --calls products of two --size x --size float32 matrices on oneDNN sgemm through the native addon',
      "(every core this process may use), or on the backend's matMul when the addon is absent; prints the best",
      'and median GFLOP/s (2 size^3 FLOPs per call). bench train/head/infer report their GFLOP/s against it.',
    ],
    flags: FLAGS,
  }),
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    const size = integerFlag('bench peak', 'size', values.size, 1024, { min: 1 });
    const calls = integerFlag('bench peak', 'calls', values.calls, 8, { min: 1 });
    await initBackend(values.backend);
    return { benchmark: 'peak', backend: backendInfo().name, ...measurePeak(size, calls) };
  },
};
