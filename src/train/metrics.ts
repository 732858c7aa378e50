import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A record of metrics.jsonl (see the run-directory contract: 'step' and 'epoch' records). */
export type MetricsRecord = { type: 'step' | 'epoch'; step: number; epoch: number } & Record<string, unknown>;

export const METRICS_FILE = 'metrics.jsonl';

/** Appends records to `<runDir>/metrics.jsonl`, one JSON object per line. */
export async function appendMetrics(runDir: string, records: MetricsRecord[]): Promise<void> {
  if (records.length === 0) return;
  await appendFile(join(runDir, METRICS_FILE), records.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Reads every record of a run's metrics.jsonl (a truncated last line, from a crash, is skipped). */
export async function readMetrics(runDir: string): Promise<MetricsRecord[]> {
  const file = join(runDir, METRICS_FILE);
  if (!existsSync(file)) return [];
  const out: MetricsRecord[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
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
 * < `epoch`), so that the resumed run appends exactly what the uninterrupted run would have written.
 */
export async function truncateMetrics(runDir: string, step: number, epoch: number): Promise<void> {
  const kept = (await readMetrics(runDir)).filter((r) =>
    r.type === 'step' ? r.step < step : r.epoch < epoch,
  );
  await writeFile(join(runDir, METRICS_FILE), kept.map((r) => JSON.stringify(r) + '\n').join(''));
}
