import type { Benchmark } from './benchmark.js';
import { headBenchmark } from './head.js';
import { trainBenchmark } from './train.js';

export type { Benchmark } from './benchmark.js';

/** Every `lgm bench` target. */
export const benchmarks: readonly Benchmark[] = [headBenchmark, trainBenchmark];
