import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { COVARIANCE_KINDS, CovarianceKind, GaussianMixtureParams, checkParams } from '../gm/params.js';
import type { MixtureFile } from '../detect/mixture-fit.js';
import { checkMatrix, checkVector, isFiniteNumber } from './checks.js';
import { type Problem, fileProblem, objectOf, readOptionalJsonFile, writeJsonFile } from './json-file.js';
import { MIXTURE_FILE } from './layout.js';

/** mixture.json of an L-GM run, as arrays. */
export interface RunMixture {
  covariance: CovarianceKind;
  /** [K][D]. */
  means: number[][];
  /** [K] (isotropic), [K][D] (diagonal) or null (identity). */
  logVariances: number[] | number[][] | null;
  logPriors: number[] | null;
}

/**
 * Validates a parsed mixture.json ({covariance, means [K][D], logVariances [K] | [K][D] | null, logPriors [K] |
 * null}) against the feature width `dim` (null: the means' width). Errors name `file` and the field.
 */
export function checkMixture(
  file: string,
  value: unknown,
  dim: number | null,
  where = 'checkMixture',
): RunMixture {
  const json = objectOf(where, file, value);
  const bad: Problem = fileProblem(where, file);
  const covariance = json.covariance;
  if (typeof covariance !== 'string' || !(COVARIANCE_KINDS as readonly string[]).includes(covariance)) {
    bad(`covariance must be one of ${COVARIANCE_KINDS.join(', ')}`, covariance);
  }
  if (!Array.isArray(json.means) || json.means.length < 1) bad('means must be a non-empty array', json.means);
  const k = json.means.length;
  const means = checkMatrix(bad, 'means', json.means, k, dim);
  const width = means[0].length;
  let logVariances: RunMixture['logVariances'] = null;
  const lv = json.logVariances ?? null;
  if (covariance === 'isotropic') {
    if (!Array.isArray(lv) || lv.length !== k || !lv.every(isFiniteNumber)) {
      bad(`logVariances must be ${k} finite numbers for covariance 'isotropic'`, lv);
    }
    logVariances = lv as number[];
  } else if (covariance === 'diagonal') {
    logVariances = checkMatrix(bad, 'logVariances', lv, k, width);
  } else if (lv !== null) {
    bad("logVariances must be null for covariance 'identity'", lv);
  }
  const lp = json.logPriors ?? null;
  const logPriors = lp === null ? null : checkVector(bad, 'logPriors (or null)', lp, k);
  return { covariance: covariance as CovarianceKind, means, logVariances, logPriors };
}

/** Reads and validates `<runDir>/mixture.json` (L-GM runs only); null when the run has none. */
export async function readRunMixture(runDir: string, dim: number | null = null): Promise<RunMixture | null> {
  const where = 'readRunMixture';
  const file = join(runDir, MIXTURE_FILE);
  const json = await readOptionalJsonFile(file, where);
  return json === null ? null : checkMixture(file, json, dim, where);
}

/** A mixture's arrays as tensors (the caller disposes them), checked as the mixture functions check them. */
export function mixtureTensors(mixture: RunMixture, where: string): MixtureFile {
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  const { covariance, logVariances: lv, logPriors: lp } = mixture;
  const params: GaussianMixtureParams = { means: keep(tf.tensor2d(mixture.means)) };
  if (covariance !== 'identity' && lv !== null) {
    params.logVariances = keep(
      covariance === 'isotropic' ? tf.tensor1d(lv as number[]) : tf.tensor2d(lv as number[][]),
    );
  }
  if (lp !== null) params.logPriors = keep(tf.tensor1d(lp));
  try {
    checkParams(where, params, covariance);
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  return { covariance, params, dispose: () => tf.dispose(tensors) };
}

/** Reads `<runDir>/mixture.json` as tensors (the caller disposes them); null when the run has none. */
export async function readMixtureFile(runDir: string): Promise<MixtureFile | null> {
  const where = 'readMixtureFile';
  const file = join(runDir, MIXTURE_FILE);
  const json = await readOptionalJsonFile(file, where);
  return json === null ? null : mixtureTensors(checkMixture(file, json, null, where), `${where}: ${file}`);
}

/** Writes `<runDir>/mixture.json`. */
export async function writeRunMixture(runDir: string, mixture: RunMixture): Promise<void> {
  const { covariance, means, logVariances, logPriors } = mixture;
  await writeJsonFile(join(runDir, MIXTURE_FILE), { covariance, means, logVariances, logPriors });
}
