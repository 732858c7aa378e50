import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/backend/index.js';
import { achieved, measurePeak, peakBenchmark } from '../../../src/cli/bench/peak.js';

test('achieved: GFLOP/s of FLOPs per step at ms per step, and the fraction of the peak', () => {
  const peak = { gflops: 100, medianGflops: 90, source: 'test', size: 1, calls: 1 };
  assert.deepEqual(achieved(5e9, 100, peak), { gflopsPerSecond: 50, peakGflops: 100, fractionOfPeak: 0.5 });
  assert.deepEqual(achieved(5e9, 100, null), { gflopsPerSecond: 50, peakGflops: null, fractionOfPeak: null });
});

test('measurePeak: best and median rate of square products, and where they ran', async () => {
  await initBackend('wasm', { threads: 1 });
  const p = measurePeak(64, 3);
  assert.equal(p.size, 64);
  assert.equal(p.calls, 3);
  assert.ok(p.gflops > 0 && p.gflops >= p.medianGflops);
  assert.match(p.source, /oneDNN sgemm|tf\.matMul on wasm/);
  const r = await peakBenchmark.run(['--size', '32', '--calls', '2']);
  assert.equal(r.size, 32);
  await assert.rejects(
    peakBenchmark.run(['--size', '0']),
    /bench peak: --size must be an integer >= 1, got '0'/,
  );
});
