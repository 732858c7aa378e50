import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { COVARIANCE_KINDS, CovarianceKind, GaussianMixtureParams, checkParams } from '../gm/params.js';
import { LgmError } from '../util/errors.js';

/** A run's trained mixture (mixture.json of the run-directory contract), as tensors the caller disposes. */
export interface MixtureFile {
  covariance: CovarianceKind;
  params: GaussianMixtureParams;
  /** Frees the tensors. */
  dispose(): void;
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every(Number.isFinite));
}

function isVector(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every(Number.isFinite);
}

/**
 * Reads `<runDir>/mixture.json` ({covariance, means [K][D], logVariances [K] | [K][D] | null, logPriors [K] |
 * null}); resolves to null when the run has none (a softmax-trained model). Malformed files name what is wrong.
 */
export async function readMixtureFile(runDir: string): Promise<MixtureFile | null> {
  const file = join(runDir, 'mixture.json');
  if (!existsSync(file)) return null;
  const fail = (what: string): never => {
    throw new LgmError(`readMixtureFile: ${file} ${what}`);
  };
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    fail('is not valid JSON (truncated or corrupt)');
  }
  const covariance = json.covariance as CovarianceKind;
  if (!COVARIANCE_KINDS.includes(covariance)) fail(`must have covariance in ${COVARIANCE_KINDS.join(', ')}`);
  if (!isMatrix(json.means)) fail('must have means as a non-empty [K][D] array of finite numbers');
  const { logVariances: lv, logPriors: lp } = json;
  if (lv !== null && lv !== undefined && !isVector(lv) && !isMatrix(lv)) {
    fail('must have logVariances null, [K] or [K][D] finite numbers');
  }
  if (lp !== null && lp !== undefined && !isVector(lp))
    fail('must have logPriors null or [K] finite numbers');
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  const params: GaussianMixtureParams = { means: keep(tf.tensor2d(json.means as number[][])) };
  if (covariance !== 'identity' && lv !== null && lv !== undefined) {
    params.logVariances = keep(isVector(lv) ? tf.tensor1d(lv) : tf.tensor2d(lv as number[][]));
  }
  if (lp !== null && lp !== undefined) params.logPriors = keep(tf.tensor1d(lp as number[]));
  try {
    checkParams(`readMixtureFile: ${file}`, params, covariance);
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  return { covariance, params, dispose: () => tf.dispose(tensors) };
}
