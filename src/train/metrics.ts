import { lstat, open, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { writing } from '../io/fs-errors.js';
import { LgmError } from '../util/errors.js';

/** A record of metrics.jsonl (see the run-directory contract: 'step' and 'epoch' records). */
export type MetricsRecord = { type: 'step' | 'epoch'; step: number; epoch: number } & Record<string, unknown>;

export const METRICS_FILE = 'metrics.jsonl';

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

/** Reads every record of a run's metrics.jsonl (a truncated last line, from a crash, is skipped). */
export async function readMetrics(runDir: string): Promise<MetricsRecord[]> {
  const file = join(runDir, METRICS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw new LgmError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const out: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // Only a crash mid-append leaves a partial line; it is after the checkpoint and is dropped on resume.
    }
  }
  return out;
}

/**
 * On resume: keeps only the records the checkpoint covers (steps < `step`; epoch records of finished epochs
 * < `epoch`), so that the resumed run appends exactly what the uninterrupted run would have written. The file
 * is replaced atomically (a crash keeps the old one; a symbolic link is replaced, not written through).
 */
export async function truncateMetrics(runDir: string, step: number, epoch: number): Promise<void> {
  await checkMetricsFile(runDir);
  const kept = (await readMetrics(runDir)).filter((r) =>
    r.type === 'step' ? r.step < step : r.epoch < epoch,
  );
  await writeFileAtomicAsync(join(runDir, METRICS_FILE), kept.map((r) => JSON.stringify(r) + '\n').join(''));
}
