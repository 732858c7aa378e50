import * as tf from '@tensorflow/tfjs-core';
import { attackImages, successfulRows } from '../attacks/run.js';
import { readAdversarialMeta, writeAdversarialSet } from '../run/adversarial.js';
import type { Classifier } from '../nets/classifier.js';
import type { Budget } from './budgets.js';
import { ReproduceContext, runDirOf } from './context.js';
import { firstImages } from './data.js';
import type { Variant } from './experiments.js';

/** The attacks of the paper's comparison, in table order. */
export const REPRODUCE_ATTACKS = ['fgsm', 'bim', 'deepfool', 'cw'] as const;
/** The name of an attack the reproduction runs. */
export type ReproduceAttack = (typeof REPRODUCE_ATTACKS)[number];

/** The options one attack runs with under a budget (recorded in the adversarial file). */
export function attackSettings(name: ReproduceAttack, budget: Budget, seed: number): Record<string, unknown> {
  return { clipMin: 0, clipMax: 1, batchSize: budget.attackBatchSize, seed, ...budget.attacks[name] };
}

/** Summary of one attack on one model, for the report. */
export interface AttackSummary {
  attack: string;
  successRate: number | null;
  meanL2: number;
  count: number;
}

/**
 * Attacks the first `attackLimit` test images of a variant's model with every attack not yet done, writing
 * <run>/adversarial/<attack>.json + .f32 (src/attacks' format) before marking the stage done.
 */
export async function attackVariant(
  ctx: ReproduceContext,
  variant: Variant,
  classifier: Classifier,
): Promise<void> {
  const runDir = runDirOf(ctx, variant.name);
  const pending = REPRODUCE_ATTACKS.filter((a) => !ctx.progress.done(`attack/${variant.name}/${a}`));
  if (pending.length === 0) return;
  const { x, y } = firstImages(ctx.data.test01, ctx.budget.attackLimit);
  try {
    const labels = Array.from(y.dataSync());
    const indices = labels.map((_, i) => i);
    for (const name of pending) {
      if (ctx.signal?.aborted === true || ctx.progress.failure(variant.name) !== null) return;
      await ctx.progress.stage(`attack/${variant.name}/${name}`, async () => {
        const options = attackSettings(name, ctx.budget, ctx.seed);
        const attacked = attackImages(classifier, x, y, name, options);
        const { result, features } = attacked;
        try {
          await writeAdversarialSet(runDir, name, result, {
            attack: name,
            options,
            indices,
            labels,
            features,
          });
        } finally {
          result.adversarial.dispose();
        }
        const rate = result.successRate === null ? '-' : `${(100 * result.successRate).toFixed(1)}%`;
        ctx.log(`attack ${variant.name} ${name}: success ${rate} on ${labels.length} images`);
      });
    }
  } finally {
    tf.dispose([x, y]);
  }
}

/** Reads one attack's summary back from <run>/adversarial/<attack>.json. */
export async function readAttackSummary(runDir: string, attack: string): Promise<AttackSummary> {
  const file = await readAdversarialMeta(runDir, attack);
  const flipped = successfulRows(file).map((i) => file.l2[i]);
  return {
    attack,
    successRate: file.successRate,
    meanL2: flipped.reduce((a, b) => a + b, 0) / Math.max(1, flipped.length),
    count: file.shape[0],
  };
}
