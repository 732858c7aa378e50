import { join } from 'node:path';
import type { DetectionReport, DetectionRow as DetectorTableRow } from '../detect/evaluate.js';
import { isFiniteNumber } from './checks.js';
import { type Problem, fileProblem, objectOf, readJsonFile, writeJsonLine } from './json-file.js';
import { DETECTION_FILE } from './layout.js';

/** One row of detection.json as plots read it (the counts of clean and anomalous inputs are not needed). */
export type DetectionRow = Omit<DetectorTableRow, 'numClean' | 'numAnomalous'>;

/** detection.json of a run directory. */
export interface Detection {
  rows: DetectionRow[];
  curves: { detector: string; inputSet: string; fpr: number[]; tpr: number[] }[];
}

const DETECTION_METRICS = ['auroc', 'auprIn', 'auprOut', 'fpr95', 'detectionAccuracy', 'attackSuccessRate'];

/** Reads and validates `<runDir>/detection.json`. */
export async function readDetection(runDir: string): Promise<Detection> {
  const where = 'readDetection';
  const file = join(runDir, DETECTION_FILE);
  const json = objectOf(where, file, await readJsonFile(file, where, 'written by lgm detect'));
  const bad: Problem = fileProblem(where, file);
  if (!Array.isArray(json.rows)) bad('rows must be an array', json.rows);
  if (!Array.isArray(json.curves)) bad('curves must be an array', json.curves);
  json.rows.forEach((row: unknown, i) => {
    const r = objectOf(where, file, row, `rows[${i}]`);
    if (typeof r.detector !== 'string' || typeof r.inputSet !== 'string') {
      bad(`rows[${i}] must have string detector and inputSet`, row);
    }
    // null stands for a metric that is undefined for the row (JSON has no NaN); the table shows '-'.
    for (const key of DETECTION_METRICS) {
      const v = r[key];
      if (v !== null && v !== undefined && !isFiniteNumber(v))
        bad(`rows[${i}].${key} must be a number or null`, v);
    }
  });
  json.curves.forEach((curve: unknown, i) => {
    const c = objectOf(where, file, curve, `curves[${i}]`);
    const ok =
      Array.isArray(c.fpr) &&
      Array.isArray(c.tpr) &&
      c.fpr.length === c.tpr.length &&
      c.fpr.length >= 2 &&
      [...c.fpr, ...c.tpr].every((x: unknown) => isFiniteNumber(x) && x >= 0 && x <= 1);
    if (!ok) bad(`curves[${i}] must have fpr and tpr of equal length >= 2 with values in [0, 1]`, curve);
  });
  return json as unknown as Detection;
}

/** Writes `<runDir>/detection.json` (one line: the curves make it long). Resolves to the file's path. */
export async function writeDetection(runDir: string, report: DetectionReport): Promise<string> {
  const file = join(runDir, DETECTION_FILE);
  await writeJsonLine(file, report);
  return file;
}
