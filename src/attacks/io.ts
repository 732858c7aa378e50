import { writeFileAtomicAsync } from '../io/atomic.js';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import { checkFileName, confinedPath } from '../io/paths.js';
import { writing } from '../io/fs-errors.js';

/** Most float32 values of one adversarial set (2 GiB): a corrupt shape is an error, not an allocation. */
const MAX_VALUES = 2 ** 29;
import type { AttackResult } from './attack.js';

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
  /** Features (the classifier's feature layer) of the successful adversarial examples, for plots. */
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
  const dir = join(runDir, 'adversarial');
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
  await writeFileAtomicAsync(jsonFile, JSON.stringify(file) + '\n');
  return jsonFile;
}

/** Reads an adversarial set; `inputs` is float32 [N, ...shape] (the caller disposes it). */
export async function readAdversarialSet(
  runDir: string,
  name: string,
): Promise<{ file: AdversarialSetFile; inputs: tf.Tensor }> {
  checkFileName('readAdversarialSet', name, 'name');
  const jsonFile = join(runDir, 'adversarial', `${name}.json`);
  if (!existsSync(jsonFile)) {
    throw new LgmError(`readAdversarialSet: ${jsonFile} must exist (run lgm attack first), got no such file`);
  }
  let file: AdversarialSetFile;
  try {
    file = JSON.parse(await readFile(jsonFile, 'utf8')) as AdversarialSetFile;
  } catch {
    throw new LgmError(`readAdversarialSet: ${jsonFile} is not valid JSON (truncated or corrupt)`);
  }
  const shapeOk =
    Array.isArray(file?.shape) &&
    file.shape.length >= 2 &&
    file.shape.every((d) => Number.isSafeInteger(d) && d >= 1) &&
    file.shape.reduce((a, b) => a * b, 1) <= MAX_VALUES;
  if (!shapeOk) {
    throw new LgmError(
      `readAdversarialSet: ${jsonFile} shape must be [N, ...inputShape] of positive integers (at most ${MAX_VALUES} values), got ${JSON.stringify(file?.shape)}`,
    );
  }
  const n = file.shape[0];
  const lists = [file?.labels, file?.success, file?.originalCorrect, file?.predictions, file?.indices];
  if (
    file?.format !== 'lgm-adversarial-1' ||
    !(n >= 1) ||
    !lists.every((l) => Array.isArray(l) && l.length === n)
  ) {
    throw new LgmError(
      `readAdversarialSet: ${jsonFile} must be an lgm-adversarial-1 file with ${n} labels, successes and predictions`,
    );
  }
  const binFile = confinedPath(
    'readAdversarialSet',
    join(runDir, 'adversarial'),
    file.data,
    `${jsonFile} "data"`,
  );
  const bytes = await readFile(binFile).catch(() => {
    throw new LgmError(`readAdversarialSet: ${binFile} must exist (named by ${jsonFile}), got no such file`);
  });
  const size = file.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== 4 * size) {
    throw new LgmError(
      `readAdversarialSet: ${binFile} must hold ${4 * size} bytes (float32 [${file.shape.join(',')}]), got ${bytes.byteLength}`,
    );
  }
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { file, inputs: tf.tensor(values, file.shape, 'float32') };
}
