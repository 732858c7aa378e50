import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { disposeModel } from '../train/model.js';
import { trainRun } from '../train/trainer.js';
import type { ProgressReporter } from '../train/progress.js';
import { ReproduceContext, runDirOf } from './context.js';
import type { Variant } from './experiments.js';

/** Progress lines of one variant's training: the epochs and the trainer's notes, prefixed by the variant. */
function reporter(ctx: ReproduceContext, variant: Variant): ProgressReporter {
  const line = (text: string) => ctx.log(`  [${variant.name}] ${text}`);
  return { step() {}, epoch: line, note: line };
}

/**
 * Trains one variant into <outDir>/runs/<variant> with the trainer's own checkpoints: a run directory that
 * already has config.json is resumed (the trainer checks its config is the same). Resolves to false when
 * interrupted (Ctrl-C), after the trainer wrote its checkpoint. A training that fails (e.g. its loss diverges)
 * is recorded as failed in the progress file and the reproduction goes on without that model.
 */
export async function trainVariant(ctx: ReproduceContext, variant: Variant): Promise<boolean> {
  let completed = true;
  await ctx.progress
    .stage(`train/${variant.name}`, async () => {
      const runDir = runDirOf(ctx, variant.name);
      const resume = existsSync(join(runDir, 'config.json'));
      ctx.log(`train ${variant.name}: ${variant.description}${resume ? ' (resuming)' : ''}`);
      const result = await trainRun({
        config: ctx.configs.get(variant.name)!,
        runDir,
        data: ctx.data.train,
        resume,
        reporter: reporter(ctx, variant),
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      disposeModel(result.model);
      completed = result.completed;
      if (!completed) throw new Interrupted();
      return [];
    })
    .catch((error: unknown) => {
      if (!(error instanceof Interrupted)) throw error;
    });
  return completed;
}

/** Thrown inside a stage so that an interrupted training is not recorded as done. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
