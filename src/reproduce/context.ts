import { join } from 'node:path';
import type { TrainConfig } from '../train/config.js';
import type { Budget } from './budgets.js';
import type { ExperimentData } from './data.js';
import type { ExperimentName, Variant } from './experiments.js';
import type { Progress } from './progress.js';

/** What every stage of a reproduction shares. */
export interface ReproduceContext {
  experiment: ExperimentName;
  budget: Budget;
  outDir: string;
  progress: Progress;
  data: ExperimentData;
  variants: readonly Variant[];
  /** The training config of each variant, by name. */
  configs: ReadonlyMap<string, TrainConfig>;
  /** Seed of training (every variant) and of the noise sets. */
  seed: number;
  log: (line: string) => void;
  /** Ctrl-C: training checkpoints and stops; the other stages stop between two stages. */
  signal?: AbortSignal;
}

/** The run directory of a variant: <outDir>/runs/<variant>. */
export function runDirOf(ctx: { outDir: string }, variant: string): string {
  return join(ctx.outDir, 'runs', variant);
}
