import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIDE, mnistStyle } from '../../web/src/ui/digit-image.js';

/** A width x height drawing with ink (1) in the rectangle [x0, x1) x [y0, y1). */
function rectangle(
  width: number,
  height: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): Float32Array {
  const grey = new Float32Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) grey[y * width + x] = 1;
  return grey;
}

function inkStats(image: Float32Array) {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  let left = SIDE;
  let right = -1;
  let top = SIDE;
  let bottom = -1;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = image[y * SIDE + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
      if (v > 0.05) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return { cx: cx / mass, cy: cy / mass, width: right - left + 1, height: bottom - top + 1 };
}

test('mnistStyle scales the ink box to 20 pixels and centres its mass, as MNIST was made', () => {
  // A tall bar in the top-left corner of a 280x280 drawing: 40 wide, 200 high.
  const image = mnistStyle(rectangle(280, 280, 10, 20, 50, 220), 280, 280);
  assert.ok(image !== null);
  assert.equal(image.length, SIDE * SIDE);
  assert.ok(image.every((v) => v >= 0 && v <= 1));
  const stats = inkStats(image);
  assert.equal(stats.height, 20);
  assert.equal(stats.width, 4);
  assert.ok(Math.abs(stats.cx - 14) <= 1, `centre of mass x ${stats.cx}`);
  assert.ok(Math.abs(stats.cy - 14) <= 1, `centre of mass y ${stats.cy}`);
  // Area averaging keeps the total ink proportional to the area: 4 x 20 full pixels.
  assert.ok(Math.abs(image.reduce((a, b) => a + b, 0) - 80) < 1);
});

test('mnistStyle: wide strokes use the width, an empty drawing gives null, a bad size throws', () => {
  const wide = mnistStyle(rectangle(100, 50, 0, 20, 100, 30), 100, 50);
  assert.ok(wide !== null);
  assert.equal(inkStats(wide).width, 20);
  assert.equal(mnistStyle(new Float32Array(100 * 50), 100, 50), null);
  assert.throws(
    () => mnistStyle(new Float32Array(10), 4, 4),
    /mnistStyle: grey must hold width\*height = 16 values, got 10/,
  );
});
