import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from '../run/json-file.js';
import { configDifferences, upgradeSavedConfig } from '../train/config.js';
import { LgmError } from '../util/errors.js';

/** What `<outDir>/progress.json` records: the plan the directory belongs to and each finished stage. */
export interface ProgressFile {
  format: 'lgm-reproduce-1';
  /** The experiment, budget and every resolved config; a resume must find the same plan. */
  plan: unknown;
  /** Finished stages ('train/lgm-2d', 'attack/lgm-2d/cw', ...) with their wall time in seconds. */
  stages: Record<string, { seconds: number; finishedAt: string; notes?: string[]; failed?: string }>;
}

/**
 * The resumable record of a reproduction. A stage's own output is written atomically first, then the stage is
 * marked done here (also atomically), so an interrupted run redoes at most the stage it was in.
 */
export class Progress {
  private constructor(
    readonly file: string,
    private readonly data: ProgressFile,
  ) {}

  /** Opens `<outDir>/progress.json` (creating it), checking that an existing one has the same plan. */
  static async open(outDir: string, plan: unknown): Promise<Progress> {
    const file = join(outDir, 'progress.json');
    if (!existsSync(file)) {
      const progress = new Progress(file, { format: 'lgm-reproduce-1', plan, stages: {} });
      await progress.save();
      return progress;
    }
    const data = (await readJsonFile(file, 'reproduce')) as ProgressFile;
    if (data?.format !== 'lgm-reproduce-1' || typeof data.stages !== 'object' || data.stages === null) {
      throw new LgmError(`reproduce: ${file} must be {format: 'lgm-reproduce-1', plan, stages}`);
    }
    data.plan = upgradeSavedPlan(data.plan);
    const diff = configDifferences(data.plan, JSON.parse(JSON.stringify(plan)));
    if (diff.length > 0) {
      throw new LgmError(
        `reproduce: ${outDir} holds another plan (use another --out, or the same options), got differences:\n  ${diff.join('\n  ')}`,
      );
    }
    return new Progress(file, data);
  }

  /** Whether `stage` finished in an earlier session. */
  done(stage: string): boolean {
    return stage in this.data.stages;
  }

  /** Wall time of a finished stage (0 when not finished). */
  seconds(stage: string): number {
    return this.data.stages[stage]?.seconds ?? 0;
  }

  /** Total wall time of the finished stages whose key starts with `prefix` ('' = all). */
  total(prefix = ''): number {
    return Object.entries(this.data.stages)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((sum, [, v]) => sum + v.seconds, 0);
  }

  /**
   * Records `stage` as finished with a failure (e.g. a training whose loss diverged): the reproduction goes on
   * without that model, the report says why, and a rerun does not retry it (delete the entry to retry).
   */
  async fail(stage: string, message: string, seconds: number): Promise<void> {
    this.data.stages[stage] = { seconds, finishedAt: new Date().toISOString(), failed: message };
    await this.save();
  }

  /** The failure recorded for a model: of any stage of `variant` ('train/v', 'attack/v/...', 'detect/v'). */
  failure(variant: string): string | null {
    for (const [k, v] of Object.entries(this.data.stages)) {
      const [, name] = k.split('/');
      if (name === variant && v.failed !== undefined) return `${k}: ${v.failed}`;
    }
    return null;
  }

  /** Every note recorded by the finished stages, as 'stage: note'. */
  notes(): string[] {
    return Object.entries(this.data.stages).flatMap(([k, v]) => (v.notes ?? []).map((n) => `${k}: ${n}`));
  }

  /**
   * Runs `work` unless `stage` is done, then records it with its wall time and the notes `work` returned (things
   * the report must say, e.g. a set that was skipped). Resolves to whether it ran.
   */
  async stage(stage: string, work: () => Promise<string[] | void>): Promise<boolean> {
    if (this.done(stage)) return false;
    const started = performance.now();
    let notes: string[];
    try {
      notes = (await work()) ?? [];
    } catch (error) {
      // An LgmError is a property of this model (diverged loss, degenerate features): record it and go on.
      if (!(error instanceof LgmError)) throw error;
      await this.fail(stage, error.message, (performance.now() - started) / 1000);
      return true;
    }
    this.data.stages[stage] = {
      seconds: (performance.now() - started) / 1000,
      finishedAt: new Date().toISOString(),
      ...(notes.length > 0 ? { notes } : {}),
    };
    await this.save();
    return true;
  }

  private save(): Promise<void> {
    return writeJsonFile(this.file, this.data);
  }
}

/**
 * A plan as an older lgm saved it, with its keys under today's names: the budget's optimizer and every model's
 * config go through upgradeSavedConfig (optimizer.gmLrMultiplier is optimizer.mixtureLrMultiplier).
 */
function upgradeSavedPlan(plan: unknown): unknown {
  if (plan === null || typeof plan !== 'object') return plan;
  const { budget, configs, ...rest } = plan as { budget?: unknown; configs?: unknown };
  const upgradedConfigs =
    configs === null || typeof configs !== 'object'
      ? configs
      : Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, upgradeSavedConfig(c)]));
  return {
    ...rest,
    ...(budget === undefined ? {} : { budget: upgradeSavedConfig(budget) }),
    ...(configs === undefined ? {} : { configs: upgradedConfigs }),
  };
}
