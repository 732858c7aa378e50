import type * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';

const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, int8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Most bytes of weights a model.json may describe (4 GiB): a corrupt shape is an error, not an allocation. */
const MAX_BYTES = 2 ** 32;

/** Bytes a (validated) weight occupies in the weights file. */
export function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  return count * (q === undefined ? DTYPE_BYTES[spec.dtype] : QUANTIZED_BYTES[q]);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Validates a model.json's weightsManifest before any weight is read or any tensor made: present, groups of
 * string paths and weights with a name, a shape of non-negative integers and a supported dtype (or
 * quantization). `where: <file> weightsManifest...` errors say which entry is wrong. Resolves to the bytes the
 * weights take, which the caller compares with the files.
 */
export function checkWeightsManifest(where: string, file: string, value: unknown): number {
  const bad = (at: string, what: string, got: unknown) =>
    new LgmError(`${where}: ${file} ${at} must be ${what}, got ${JSON.stringify(got) ?? 'nothing'}`);
  if (!Array.isArray(value)) {
    throw bad(
      'weightsManifest',
      'an array of {paths, weights} (a model.json without weights cannot load)',
      value,
    );
  }
  let total = 0;
  value.forEach((group: unknown, g) => {
    const at = `weightsManifest[${g}]`;
    if (!isObject(group)) throw bad(at, 'an object {paths, weights}', group);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string')) {
      throw bad(`${at}.paths`, 'an array of file names', group.paths);
    }
    if (!Array.isArray(group.weights)) throw bad(`${at}.weights`, 'an array', group.weights);
    group.weights.forEach((w: unknown, i) => {
      const wat = `${at}.weights[${i}]`;
      if (!isObject(w) || typeof w.name !== 'string') throw bad(wat, 'an object with a string name', w);
      const shapeOk =
        Array.isArray(w.shape) &&
        w.shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0);
      if (!shapeOk) throw bad(`${wat}.shape (${w.name})`, 'an array of non-negative integers', w.shape);
      if (typeof w.dtype !== 'string' || !(w.dtype in DTYPE_BYTES)) {
        throw bad(`${wat}.dtype (${w.name})`, `one of ${Object.keys(DTYPE_BYTES).join(', ')}`, w.dtype);
      }
      const q = w.quantization;
      if (q !== undefined && (!isObject(q) || typeof q.dtype !== 'string' || !(q.dtype in QUANTIZED_BYTES))) {
        throw bad(
          `${wat}.quantization (${w.name})`,
          `{dtype: ${Object.keys(QUANTIZED_BYTES).join(' | ')}, ...}`,
          q,
        );
      }
      total += byteSize(w as unknown as tf.io.WeightsManifestEntry);
      if (total > MAX_BYTES) throw bad(wat, `within ${MAX_BYTES} bytes of weights in all`, w.shape);
    });
  });
  return total;
}
