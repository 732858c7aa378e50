import { join } from 'node:path';
import { checkIntegers, checkMatrix } from './checks.js';
import { type Problem, fileProblem, objectOf, readJsonFile, writeJsonFile } from './json-file.js';
import { FEATURES_FILE } from './layout.js';

/** features.json of a run directory: the test-set features (at most 10000 rows) and what the model said. */
export interface RunFeatures {
  dim: number;
  numClasses: number;
  labels: number[];
  predictions: number[];
  /** [N][D]. */
  features: number[][];
}

/**
 * Validates test features as features.json holds them: dim, numClasses, features [N][dim] finite (N >= 1),
 * labels and predictions N integers in [0, numClasses). Errors read `<where>: <file> <field> must be ...`.
 */
export function checkRunFeatures(where: string, value: unknown, file = ''): RunFeatures {
  const json = objectOf(where, file, value);
  const bad: Problem = fileProblem(where, file);
  const { dim, numClasses } = json;
  if (!Number.isInteger(dim) || (dim as number) < 1) bad('dim must be an integer >= 1', dim);
  if (!Number.isInteger(numClasses) || (numClasses as number) < 1) {
    bad('numClasses must be an integer >= 1', numClasses);
  }
  const features = checkMatrix(bad, 'features', json.features, null, dim as number);
  if (features.length < 1) bad('features must have at least one row', features);
  const n = features.length;
  return {
    dim: dim as number,
    numClasses: numClasses as number,
    features,
    labels: checkIntegers(bad, 'labels', json.labels, n, numClasses as number),
    predictions: checkIntegers(bad, 'predictions', json.predictions, n, numClasses as number),
  };
}

/** Reads and validates a features.json file anywhere. */
export async function readFeaturesFile(file: string): Promise<RunFeatures> {
  const where = 'readFeaturesFile';
  return checkRunFeatures(where, await readJsonFile(file, where), file);
}

/** Reads `<runDir>/features.json` (a MissingFileError saying what writes it when absent). */
export async function readRunFeatures(runDir: string): Promise<RunFeatures> {
  const where = 'readRunFeatures';
  const file = join(runDir, FEATURES_FILE);
  const json = await readJsonFile(file, where, 'written by lgm train and lgm eval');
  return checkRunFeatures(where, json, file);
}

/** Writes `<runDir>/features.json`. */
export async function writeRunFeatures(runDir: string, features: RunFeatures): Promise<void> {
  const { dim, numClasses, labels, predictions } = features;
  await writeJsonFile(join(runDir, FEATURES_FILE), {
    split: 'test',
    dim,
    numClasses,
    labels,
    predictions,
    features: features.features,
  });
}
