import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, seededNormal, tfjsNormalSeed } from '../../src/util/random.js';

test('mulberry32 reproduces for a seed and differs across seeds', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const c = mulberry32(8);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c()),
  );
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('seededNormal has mean ~0 and variance ~1', () => {
  const normal = seededNormal(mulberry32(1));
  const n = 20000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = normal();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test('tfjsNormalSeed: never 0 (tfjs takes 0 as no seed), distinct seeds stay distinct', () => {
  const seeds = [-3, -2, -1, 0, 1, 2, 3];
  const mapped = seeds.map(tfjsNormalSeed);
  assert.ok(mapped.every((s) => s !== 0));
  assert.equal(new Set(mapped).size, seeds.length);
  assert.deepEqual(mapped, [-3, -2, -1, 1, 2, 3, 4]);
});
