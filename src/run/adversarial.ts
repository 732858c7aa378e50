import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { AttackResult } from '../attacks/attack.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { fileError, isFsError, writing } from '../io/fs-errors.js';
import { checkFileName, confinedPath } from '../io/paths.js';
import { LgmError } from '../util/errors.js';
import { checkBooleans, checkIntegers, checkMatrix, checkVector } from './checks.js';
import { type Problem, fileProblem, objectOf, readJsonFile, writeJsonLine } from './json-file.js';
import { ADVERSARIAL_DIR } from './layout.js';

/** Most float32 values of one adversarial set (2 GiB): a corrupt shape is an error, not an allocation. */
const MAX_VALUES = 2 ** 29;

/**
 * On-disk adversarial set, `<runDir>/adversarial/<name>.json` + `<name>.f32`: the JSON holds the metadata and
 * per-example report, the .f32 file the adversarial inputs as little-endian float32, row-major [N, ...shape].
 */
export interface AdversarialSetFile extends Omit<AttackResult, 'adversarial'> {
  format: 'lgm-adversarial-1';
  /** Attack name, e.g. 'fgsm'. */
  attack: string;
  /** The attack's options as run. */
  options: Record<string, unknown>;
  /** [N, ...inputShape] of the inputs. */
  shape: number[];
  /** Which test images were attacked (indices into the test split), and their labels. */
  indices: number[];
  labels: number[];
  /** Name of the binary file next to the JSON. */
  data: string;
  /**
   * Features (the classifier's feature layer) of the successful adversarial examples (see
   * successfulRows in src/attacks/run.ts), the red crosses of the likelihood map. Absent in sets written by
   * reproduce before lgm 0.1.1; lgm attack before then kept every misclassified adversarial example.
   */
  features?: number[][];
}

/** Writes an attack's result into `<runDir>/adversarial/` (the binary first, so the JSON never dangles). */
export async function writeAdversarialSet(
  runDir: string,
  name: string,
  result: AttackResult,
  meta: {
    attack: string;
    options: Record<string, unknown>;
    indices: number[];
    labels: number[];
    features?: number[][];
  },
): Promise<string> {
  checkFileName('writeAdversarialSet', name, 'name');
  const dir = join(runDir, ADVERSARIAL_DIR);
  await writing(dir, () => mkdir(dir, { recursive: true }));
  const values = result.adversarial.dataSync() as Float32Array;
  await writeFileAtomicAsync(
    join(dir, `${name}.f32`),
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  );
  const { success, originalCorrect, predictions, l2, linf, successRate } = result;
  const file: AdversarialSetFile = {
    format: 'lgm-adversarial-1',
    ...meta,
    shape: result.adversarial.shape,
    success,
    originalCorrect,
    predictions,
    l2,
    linf,
    successRate,
    data: `${name}.f32`,
  };
  const jsonFile = join(dir, `${name}.json`);
  await writeJsonLine(jsonFile, file);
  return jsonFile;
}

/**
 * Validates a parsed adversarial set's JSON: format, shape [N, ...inputShape] (bounded), N labels, successes,
 * original-correct flags, predictions, indices and norms, the success rate, and features [M][D] when present.
 */
export function checkAdversarialSet(where: string, file: string, value: unknown): AdversarialSetFile {
  const json = objectOf(where, file, value);
  const bad: Problem = fileProblem(where, file);
  if (json.format !== 'lgm-adversarial-1') bad("format must be 'lgm-adversarial-1'", json.format);
  const shape = json.shape;
  const shapeOk =
    Array.isArray(shape) &&
    shape.length >= 2 &&
    shape.every((d) => Number.isSafeInteger(d) && d >= 1) &&
    shape.reduce((a: number, b: number) => a * b, 1) <= MAX_VALUES;
  if (!shapeOk)
    bad(`shape must be [N, ...inputShape] of positive integers (at most ${MAX_VALUES} values)`, shape);
  const n = (shape as number[])[0];
  checkIntegers(bad, 'labels', json.labels, n, Number.MAX_SAFE_INTEGER);
  checkIntegers(bad, 'predictions', json.predictions, n, Number.MAX_SAFE_INTEGER);
  checkIntegers(bad, 'indices', json.indices, n, Number.MAX_SAFE_INTEGER);
  checkBooleans(bad, 'success', json.success, n);
  checkBooleans(bad, 'originalCorrect', json.originalCorrect, n);
  checkVector(bad, 'l2', json.l2, n);
  checkVector(bad, 'linf', json.linf, n);
  const rate = json.successRate;
  if (rate !== null && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    bad('successRate must be a number in [0, 1] or null', rate);
  }
  if (typeof json.attack !== 'string') bad('attack must be a string', json.attack);
  if (json.features !== undefined) checkMatrix(bad, 'features', json.features, null, null);
  return json as unknown as AdversarialSetFile;
}

/** Reads the JSON part of `<runDir>/adversarial/<name>.json`, validated. */
export async function readAdversarialMeta(runDir: string, name: string): Promise<AdversarialSetFile> {
  const where = 'readAdversarialSet';
  checkFileName(where, name, 'name');
  const jsonFile = join(runDir, ADVERSARIAL_DIR, `${name}.json`);
  return checkAdversarialSet(where, jsonFile, await readJsonFile(jsonFile, where, 'run lgm attack first'));
}

/** Reads an adversarial set; `inputs` is float32 [N, ...shape] (the caller disposes it). */
export async function readAdversarialSet(
  runDir: string,
  name: string,
): Promise<{ file: AdversarialSetFile; inputs: tf.Tensor }> {
  const where = 'readAdversarialSet';
  const file = await readAdversarialMeta(runDir, name);
  const jsonFile = join(runDir, ADVERSARIAL_DIR, `${name}.json`);
  const binFile = confinedPath(where, join(runDir, ADVERSARIAL_DIR), file.data, `${jsonFile} "data"`);
  const bytes = await readFile(binFile).catch((error: unknown) => {
    if (isFsError(error) && error.code === 'ENOENT') {
      throw new LgmError(`${where}: ${binFile} must exist (named by ${jsonFile}), got no such file`);
    }
    throw fileError('read', binFile, error);
  });
  const size = file.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== 4 * size) {
    throw new LgmError(
      `${where}: ${binFile} must hold ${4 * size} bytes (float32 [${file.shape.join(',')}]), got ${bytes.byteLength}`,
    );
  }
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { file, inputs: tf.tensor(values, file.shape, 'float32') };
}

/** Names of the adversarial sets in `<runDir>/adversarial` (their .json files), sorted; none when absent. */
export async function listAdversarialSets(runDir: string): Promise<string[]> {
  const dir = join(runDir, ADVERSARIAL_DIR);
  const names = await readdir(dir).catch((error: unknown) => {
    if (isFsError(error) && error.code === 'ENOENT') return [] as string[];
    throw fileError('read', dir, error);
  });
  return names
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Adversarial features found in `<runDir>/adversarial/*.json`. */
export interface AdversarialFeatures {
  features: number[][];
  /** Attack files the features came from, sorted. */
  files: string[];
}

/**
 * The `features` [M][dim] of one adversarial JSON file (any path: `lgm plot likelihood --adversarial`); null when
 * the file has none. Only the features are read: a hand-made overlay file needs nothing else.
 */
export async function readAdversarialRows(file: string, dim: number): Promise<number[][] | null> {
  const where = 'readAdversarialFeatures';
  const json = objectOf(where, file, await readJsonFile(file, where));
  if (json.features === undefined) return null;
  return checkMatrix(fileProblem(where, file), 'features', json.features, null, dim);
}

/**
 * The features of the successful adversarial examples of every set in `<runDir>/adversarial/` that has them
 * (the likelihood map's overlay); null when no set has any.
 */
export async function readAdversarialFeatures(
  runDir: string,
  dim: number,
): Promise<AdversarialFeatures | null> {
  const out: AdversarialFeatures = { features: [], files: [] };
  for (const name of await listAdversarialSets(runDir)) {
    const rows = await readAdversarialRows(join(runDir, ADVERSARIAL_DIR, `${name}.json`), dim);
    if (rows === null) continue;
    out.features.push(...rows);
    out.files.push(`${name}.json`);
  }
  return out.files.length > 0 ? out : null;
}
