import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdx } from '../../src/data/idx.js';
import { idxBytes, pattern } from './fixtures.js';

test('parseIdx reads the shape and data of an unsigned-byte IDX file', () => {
  const data = pattern(3, 4);
  const parsed = parseIdx('t', 'f.idx', idxBytes([3, 2, 2], data), 3);
  assert.deepEqual(parsed.shape, [3, 2, 2]);
  assert.deepEqual(Array.from(parsed.data), Array.from(data));
});

test('parseIdx rejects a wrong magic number, naming the file and both magics', () => {
  const labels = idxBytes([4], new Uint8Array(4));
  assert.throws(
    () => parseIdx('t', '/d/labels', labels, 3),
    /^LgmError: t: \/d\/labels has wrong magic number: expected 0x00000803 \(IDX unsigned bytes, 3 dimensions\), got 0x00000801$/,
  );
  const floats = idxBytes([4], new Uint8Array(4), [0, 0, 0x0d, 1]);
  assert.throws(() => parseIdx('t', 'x', floats, 1), /x has wrong magic number: .* got 0x00000d01/);
});

test('parseIdx rejects truncated files: no magic, short header, short data', () => {
  assert.throws(() => parseIdx('t', 'f', new Uint8Array(2), 1), /t: f is truncated: 2 bytes, shorter than/);
  const full = idxBytes([2, 3, 3], pattern(2, 9));
  assert.throws(
    () => parseIdx('t', 'f', full.subarray(0, 10), 3),
    /t: f is truncated: the IDX header needs 16 bytes, got 10/,
  );
  assert.throws(
    () => parseIdx('t', 'f', full.subarray(0, full.length - 1), 3),
    /t: f is truncated: header shape \[2,3,3\] needs 18 data bytes, got 17/,
  );
});

test('parseIdx rejects bytes after the data', () => {
  const full = idxBytes([2], new Uint8Array(3));
  assert.throws(() => parseIdx('t', 'f', full, 1), /t: f has 1 bytes after the data of shape \[2\]/);
});
