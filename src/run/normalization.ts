import { join } from 'node:path';
import { DATASET_NAMES, type DatasetName, loadDataset } from '../data/registry.js';
import { channelStats, type Normalization } from '../data/normalization.js';
import { LgmError } from '../util/errors.js';
import { checkVector } from './checks.js';
import { type Problem, fileProblem, objectOf, readOptionalJsonFile, writeJsonFile } from './json-file.js';
import { NORMALIZATION_FILE } from './layout.js';

const FORMAT = 'lgm-normalization-1';

/**
 * Writes `<runDir>/normalization.json` ({format, mean, std}, per channel in pixel/255 units): what the model's
 * inputs were normalised with, so that attacks, detectors and exports work in pixel space without reloading
 * the training split.
 */
export async function writeRunNormalization(runDir: string, normalization: Normalization): Promise<void> {
  await writeJsonFile(join(runDir, NORMALIZATION_FILE), { format: FORMAT, ...normalization });
}

/**
 * Reads `<runDir>/normalization.json`, checked against the channel count; null when absent (a run written by
 * lgm before the file existed: see runNormalization).
 */
export async function readRunNormalization(runDir: string, channels: number): Promise<Normalization | null> {
  const where = 'readRunNormalization';
  const file = join(runDir, NORMALIZATION_FILE);
  const value = await readOptionalJsonFile(file, where);
  if (value === null) return null;
  const json = objectOf(where, file, value);
  const bad: Problem = fileProblem(where, file);
  if (json.format !== FORMAT) bad(`format must be '${FORMAT}'`, json.format);
  const mean = checkVector(bad, 'mean', json.mean, channels);
  const std = checkVector(bad, 'std', json.std, channels);
  if (std.some((s) => s <= 0)) bad('std must be positive', std);
  return { mean, std };
}

/** The dataset part of a run's config (config.json's `dataset`). */
export interface RunDataset {
  name: string;
  dataDir: string | null;
  trainLimit: number | null;
}

/**
 * The per-channel normalisation a run's model was trained with, recomputed from its training images (the first
 * trainLimit of the train split), as lgm train computes it. Runs written since normalization.json exists do not
 * need this: it reloads the whole training split.
 */
export async function runNormalization(dataset: RunDataset): Promise<Normalization> {
  if (!(DATASET_NAMES as readonly string[]).includes(dataset.name)) {
    throw new LgmError(
      `runNormalization: dataset must be one of ${DATASET_NAMES.join(', ')}, got '${dataset.name}'`,
    );
  }
  const dataDir = dataset.dataDir ?? undefined;
  const train = await loadDataset(dataset.name as DatasetName, { split: 'train', dataDir });
  const count = dataset.trainLimit === null ? train.count : Math.min(dataset.trainLimit, train.count);
  return channelStats(
    train,
    Array.from({ length: count }, (_, i) => i),
  );
}
