import { lstat, open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { writing } from '../io/fs-errors.js';
import { LgmError } from '../util/errors.js';
import { fileProblem, isMissingFile, objectOf, readTextFile } from './json-file.js';
import { METRICS_FILE } from './layout.js';

/**
 * A record of metrics.jsonl (see the run-directory contract: 'step' and 'epoch' records, with numeric fields as
 * written). Readers check only that `type` is a string.
 */
export type MetricsRecord = { type: 'step' | 'epoch'; step: number; epoch: number } & Record<string, unknown>;

/**
 * Checks that `<runDir>/metrics.jsonl` is absent or a regular file: a symbolic link (or anything else) there
 * would make the trainer write into a file of someone else's.
 */
export async function checkMetricsFile(runDir: string): Promise<void> {
  const file = join(runDir, METRICS_FILE);
  const stat = await lstat(file).catch(() => null);
  if (stat !== null && !stat.isFile()) {
    const what = stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
    throw new LgmError(`train: ${file} must be a regular file (lgm never writes through links), got ${what}`);
  }
}

/** Appends records to `<runDir>/metrics.jsonl`, one JSON object per line, never through a symbolic link. */
export async function appendMetrics(runDir: string, records: MetricsRecord[]): Promise<void> {
  if (records.length === 0) return;
  const file = join(runDir, METRICS_FILE);
  const text = records.map((r) => JSON.stringify(r) + '\n').join('');
  await writing(file, async () => {
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    const handle = await open(file, flags, 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Reads `<runDir>/metrics.jsonl`: one JSON object with a string `type` per non-empty line. The one policy of
 * every reader: a truncated LAST line (no newline after it: a run killed mid-append) is skipped, as the trainer
 * drops it on resume; a bad line before it is an error naming the file and the line. An absent file is a
 * MissingFileError.
 */
export async function readMetrics(runDir: string): Promise<MetricsRecord[]> {
  const where = 'readMetrics';
  const file = join(runDir, METRICS_FILE);
  const text = await readTextFile(file, where, 'written by lgm train');
  const records: MetricsRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) return;
      throw new LgmError(`${where}: ${file} ${at} must be a JSON object, got '${line.slice(0, 40)}'`);
    }
    const r = objectOf(where, file, value, at);
    if (typeof r.type !== 'string') fileProblem(where, file)(`${at} type must be a string`, r.type);
    records.push(r as MetricsRecord);
  });
  return records;
}

/**
 * On resume: keeps only the records the checkpoint covers (steps < `step`; epoch records of finished epochs
 * < `epoch`), so that the resumed run appends exactly what the uninterrupted run would have written. The file
 * is replaced atomically (a crash keeps the old one; a symbolic link is replaced, not written through).
 */
export async function truncateMetrics(runDir: string, step: number, epoch: number): Promise<void> {
  await checkMetricsFile(runDir);
  const all = await readMetrics(runDir).catch((error: unknown) => {
    if (isMissingFile(error)) return [];
    throw error;
  });
  const kept = all.filter((r) => (r.type === 'step' ? r.step < step : r.epoch < epoch));
  await writeFileAtomicAsync(join(runDir, METRICS_FILE), kept.map((r) => JSON.stringify(r) + '\n').join(''));
}
