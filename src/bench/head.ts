import type { Benchmark } from './benchmark.js';

export const headBenchmark: Benchmark = {
  name: 'head',
  summary: 'forward+backward ms of the L-GM head vs a dense layer + softmax cross-entropy',
  usage: 'Usage: lgm bench head',
  async run() {
    return {};
  },
};
