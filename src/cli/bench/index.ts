import type { Benchmark } from './benchmark.js';
import { dataBenchmark } from './data.js';
import { headBenchmark } from './head.js';
import { trainBenchmark } from './train.js';
import { peakBenchmark } from './peak.js';
import { inferBenchmark } from './infer.js';

export type { Benchmark } from './benchmark.js';

/** Every `lgm bench` target. */
export const benchmarks: readonly Benchmark[] = [
  headBenchmark,
  dataBenchmark,
  trainBenchmark,
  inferBenchmark,
  peakBenchmark,
];
