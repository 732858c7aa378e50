import { readFile } from 'node:fs/promises';
import type { DetectionRow as DetectorTableRow } from '../detect/evaluate.js';
import { join } from 'node:path';
import { COVARIANCE_KINDS, CovarianceKind } from '../gm/params.js';
import { LgmError, describe } from '../util/errors.js';

/** features.json of a run directory (see the run-directory contract). */
export interface RunFeatures {
  dim: number;
  numClasses: number;
  labels: number[];
  predictions: number[];
  /** [N][D]. */
  features: number[][];
}

/** mixture.json of an L-GM run. */
export interface RunMixture {
  covariance: CovarianceKind;
  /** [K][D]. */
  means: number[][];
  /** [K] (isotropic), [K][D] (diagonal) or null (identity). */
  logVariances: number[] | number[][] | null;
  logPriors: number[] | null;
}

/** One row of detection.json as plots read it (the counts of clean and anomalous inputs are not needed). */
export type DetectionRow = Omit<DetectorTableRow, 'numClean' | 'numAnomalous'>;

const DETECTION_METRICS = ['auroc', 'auprIn', 'auprOut', 'fpr95', 'detectionAccuracy', 'attackSuccessRate'];

/** detection.json of a run directory. */
export interface Detection {
  rows: DetectionRow[];
  curves: { detector: string; inputSet: string; fpr: number[]; tpr: number[] }[];
}

/** One line of metrics.jsonl: `type` is 'step' or 'epoch'; numeric fields as written. */
export type MetricsRecord = { type: string } & Record<string, unknown>;

/** Throws `LgmError` naming the file and what is wrong with it. */
function bad(file: string, what: string, got: unknown): never {
  throw new LgmError(`${file}: ${what}, got ${describe(got)}`);
}

const MISSING = 'got no such file';

/** Reads a text file; a missing file becomes an `LgmError` naming it. */
async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT')
      throw new LgmError(`${file}: file must exist, ${MISSING}`);
    throw err;
  }
}

/** True for the error `readText` throws for an absent file (optional parts of a run directory). */
export function isMissing(err: unknown): boolean {
  return err instanceof LgmError && err.message.endsWith(MISSING);
}

/** Reads and parses a JSON file; absent or invalid files are `LgmError`s naming the file. */
export async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LgmError(`${file}: must be valid JSON, got ${(err as Error).message}`);
  }
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Checks a matrix of finite numbers with `rows` rows (when given) and `cols` columns. */
function checkMatrix(
  file: string,
  name: string,
  value: unknown,
  rows: number | null,
  cols: number,
): number[][] {
  if (!Array.isArray(value) || (rows !== null && value.length !== rows)) {
    bad(file, `${name} must be an array of ${rows ?? 'N'} rows`, value);
  }
  value.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== cols || !row.every(isFiniteNumber)) {
      bad(file, `${name}[${i}] must be ${cols} finite numbers`, row);
    }
  });
  return value as number[][];
}

function checkIntegers(file: string, name: string, value: unknown, length: number, below: number): number[] {
  if (!Array.isArray(value) || value.length !== length)
    bad(file, `${name} must be an array of ${length}`, value);
  const i = value.findIndex(
    (x: unknown) => !Number.isInteger(x) || (x as number) < 0 || (x as number) >= below,
  );
  if (i >= 0) bad(file, `${name}[${i}] must be an integer in [0, ${below})`, value[i]);
  return value as number[];
}

/** The value as a JSON object, or an `LgmError` naming the file. */
export function objectOf(file: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    bad(file, 'must hold a JSON object', value);
  return value as Record<string, unknown>;
}

/** Parses and validates a features.json file. */
export async function readFeaturesFile(file: string): Promise<RunFeatures> {
  return checkRunFeatures(file, await readJson(file));
}

/**
 * Validates test features as features.json holds them: dim, numClasses, features [N][dim] finite (N >= 1),
 * labels and predictions N integers in [0, numClasses). `where` is the file or the function.
 */
export function checkRunFeatures(where: string, value: unknown): RunFeatures {
  const json = objectOf(where, value);
  const { dim, numClasses } = json;
  if (!Number.isInteger(dim) || (dim as number) < 1) bad(where, 'dim must be an integer >= 1', dim);
  if (!Number.isInteger(numClasses) || (numClasses as number) < 1) {
    bad(where, 'numClasses must be an integer >= 1', numClasses);
  }
  const features = checkMatrix(where, 'features', json.features, null, dim as number);
  if (features.length < 1) bad(where, 'features must have at least one row', features);
  const n = features.length;
  return {
    dim: dim as number,
    numClasses: numClasses as number,
    features,
    labels: checkIntegers(where, 'labels', json.labels, n, numClasses as number),
    predictions: checkIntegers(where, 'predictions', json.predictions, n, numClasses as number),
  };
}

/** Reads `<runDir>/features.json`, saying clearly when a run directory has none. */
export async function readRunFeatures(runDir: string): Promise<RunFeatures> {
  const file = join(runDir, 'features.json');
  try {
    return await readFeaturesFile(file);
  } catch (err) {
    if (isMissing(err)) {
      throw new LgmError(
        `plot: run directory ${runDir} must contain features.json (written by lgm train and lgm eval), got none`,
      );
    }
    throw err;
  }
}

/** Validates a parsed mixture.json against the feature width `dim`. */
export function checkMixture(file: string, value: unknown, dim: number): RunMixture {
  const json = objectOf(file, value);
  const covariance = json.covariance;
  if (typeof covariance !== 'string' || !(COVARIANCE_KINDS as readonly string[]).includes(covariance)) {
    bad(file, `covariance must be one of ${COVARIANCE_KINDS.join(', ')}`, covariance);
  }
  if (!Array.isArray(json.means) || json.means.length < 1)
    bad(file, 'means must be a non-empty array', json.means);
  const k = json.means.length;
  const means = checkMatrix(file, 'means', json.means, k, dim);
  let logVariances: RunMixture['logVariances'] = null;
  const lv = json.logVariances ?? null;
  if (covariance === 'isotropic') {
    if (!Array.isArray(lv) || lv.length !== k || !lv.every(isFiniteNumber)) {
      bad(file, `logVariances must be ${k} finite numbers for covariance 'isotropic'`, lv);
    }
    logVariances = lv as number[];
  } else if (covariance === 'diagonal') {
    logVariances = checkMatrix(file, 'logVariances', lv, k, dim);
  } else if (lv !== null) {
    bad(file, "logVariances must be null for covariance 'identity'", lv);
  }
  const lp = json.logPriors ?? null;
  if (lp !== null && (!Array.isArray(lp) || lp.length !== k || !lp.every(isFiniteNumber))) {
    bad(file, `logPriors must be null or ${k} finite numbers`, lp);
  }
  return { covariance: covariance as CovarianceKind, means, logVariances, logPriors: lp as number[] | null };
}

/** Reads `<runDir>/mixture.json` if present (L-GM runs only); null when absent. */
export async function readRunMixture(runDir: string, dim: number): Promise<RunMixture | null> {
  const file = join(runDir, 'mixture.json');
  const json = await readJson(file).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  return json === undefined ? null : checkMixture(file, json, dim);
}

/** Reads and validates `<runDir>/detection.json`. */
export async function readDetection(runDir: string): Promise<Detection> {
  const file = join(runDir, 'detection.json');
  const json = objectOf(file, await readJson(file));
  if (!Array.isArray(json.rows)) bad(file, 'rows must be an array', json.rows);
  if (!Array.isArray(json.curves)) bad(file, 'curves must be an array', json.curves);
  json.rows.forEach((row: unknown, i) => {
    const r = objectOf(file, row);
    if (typeof r.detector !== 'string' || typeof r.inputSet !== 'string') {
      bad(file, `rows[${i}] must have string detector and inputSet`, row);
    }
    // null stands for a metric that is undefined for the row (JSON has no NaN); the table shows '-'.
    for (const key of DETECTION_METRICS) {
      const v = r[key];
      if (v !== null && v !== undefined && !isFiniteNumber(v))
        bad(file, `rows[${i}].${key} must be a number or null`, v);
    }
  });
  json.curves.forEach((curve: unknown, i) => {
    const c = objectOf(file, curve);
    const ok =
      Array.isArray(c.fpr) &&
      Array.isArray(c.tpr) &&
      c.fpr.length === c.tpr.length &&
      c.fpr.length >= 2 &&
      [...c.fpr, ...c.tpr].every((x: unknown) => isFiniteNumber(x) && x >= 0 && x <= 1);
    if (!ok)
      bad(file, `curves[${i}] must have fpr and tpr of equal length >= 2 with values in [0, 1]`, curve);
  });
  return json as unknown as Detection;
}

/**
 * Reads `<runDir>/metrics.jsonl`, one JSON object with a string `type` per non-empty line. A truncated last
 * line (no newline after it: a run killed mid-append) is skipped, as the trainer skips it on resume.
 */
export async function readMetrics(runDir: string): Promise<MetricsRecord[]> {
  const file = join(runDir, 'metrics.jsonl');
  const text = await readText(file);
  const records: MetricsRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) return;
      throw new LgmError(`${file}: line ${i + 1} must be a JSON object, got '${line.slice(0, 40)}'`);
    }
    const r = objectOf(`${file} line ${i + 1}`, value);
    if (typeof r.type !== 'string') bad(`${file} line ${i + 1}`, 'type must be a string', r.type);
    records.push(r as MetricsRecord);
  });
  return records;
}
