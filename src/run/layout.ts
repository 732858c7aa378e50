/** The names of a run directory's files (docs/run-directory.md): one place, so readers and writers agree. */
export const CONFIG_FILE = 'config.json';
export const NORMALIZATION_FILE = 'normalization.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_DIR = 'checkpoint';
export const CHECKPOINT_OLD_DIR = 'checkpoint.old';
export const CHECKPOINT_TMP_PREFIX = 'checkpoint.tmp-';
export const FEATURES_FILE = 'features.json';
export const MIXTURE_FILE = 'mixture.json';
export const ADVERSARIAL_DIR = 'adversarial';
export const DETECTION_FILE = 'detection.json';
export const REPORT_FILE = 'report.md';

/**
 * Files and directories of a run; a new run refuses a directory holding any, so that it never appends to
 * another run's metrics or keeps another model's adversarial sets.
 */
const RUN_FILES = [
  CONFIG_FILE,
  NORMALIZATION_FILE,
  METRICS_FILE,
  CHECKPOINT_DIR,
  CHECKPOINT_OLD_DIR,
  FEATURES_FILE,
  MIXTURE_FILE,
  ADVERSARIAL_DIR,
  DETECTION_FILE,
  REPORT_FILE,
];

/** The first run file among a directory's entries (null when none): `checkpoint.tmp-*` counts. */
export function existingRunFile(entries: string[]): string | null {
  return (
    RUN_FILES.find((f) => entries.includes(f)) ??
    entries.find((e) => e.startsWith(CHECKPOINT_TMP_PREFIX)) ??
    null
  );
}
