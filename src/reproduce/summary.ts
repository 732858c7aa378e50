import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunConfig } from '../train/run.js';
import { readJsonFile } from '../run/json-file.js';
import { LgmError, describe } from '../util/errors.js';
import { readMetrics } from '../run/metrics.js';
import { readDetection } from '../run/detection.js';
import { ADVERSARIAL_DIR } from '../run/layout.js';
import { readAdversarialMeta } from '../run/adversarial.js';

/**
 * summary.json: the results of one or more reproductions of the same experiment and budget (typically one per
 * seed), per model, in percent: test error and the AUROC of every detector on every input set, one entry per
 * seed, in the order of `seeds` (null where that seed's model has no such row yet), and each attack's success
 * rate. `attackSuccess` is absent in summaries written before lgm 0.1.2.
 */
export interface ReproductionSummary {
  format: 'lgm-summary-1';
  experiment: string;
  budget: string;
  models: ModelSummary[];
}

export interface ModelSummary {
  name: string;
  description: string;
  featureDim: number;
  loss: string;
  seeds: number[];
  testError: (number | null)[];
  detection: Record<string, Record<string, (number | null)[]>>;
  /** Per attack: the share of the correctly classified attacked images the attack flipped, per seed. */
  attackSuccess?: Record<string, (number | null)[]>;
}

interface PlanFile {
  plan: {
    experiment: string;
    budget: { name: string };
    seed: number;
    configs: Record<string, { net: { featureDim: number | null }; loss: { name: string } }>;
  };
  stages: Record<string, { failed?: string }>;
}

/** progress.json of a reproduction, checked for the fields the summary reads. */
async function readPlan(dir: string): Promise<PlanFile> {
  const file = join(dir, 'progress.json');
  const json = (await readJsonFile(file, 'summarizeReproductions')) as Partial<PlanFile> | null;
  const plan = json?.plan;
  if (
    plan === undefined ||
    typeof plan.experiment !== 'string' ||
    typeof plan.budget?.name !== 'string' ||
    !Number.isInteger(plan.seed) ||
    plan.configs === null ||
    typeof plan.configs !== 'object'
  ) {
    throw new LgmError(
      `${file}: must be a reproduction's progress file (plan with experiment, budget, seed, configs), got ${describe(plan)}`,
    );
  }
  return { plan, stages: json?.stages ?? {} };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Sets seed `index`'s entry of a per-seed list of percentages (from a fraction), padding earlier seeds with null. */
function putSeed(values: (number | null)[], index: number, fraction: number | null): void {
  while (values.length < index) values.push(null);
  values[index] = fraction === null ? null : round(100 * fraction);
}

/** The test accuracy of the last finished epoch in a run's metrics.jsonl, or null. */
async function finalTestAccuracy(runDir: string): Promise<number | null> {
  const epochs = (await readMetrics(runDir)).filter((r) => r.type === 'epoch');
  const last = epochs[epochs.length - 1]?.testAccuracy;
  return typeof last === 'number' && Number.isFinite(last) ? last : null;
}

/**
 * Collects the models of several reproduction directories (same experiment and budget; each its own seed) into
 * one summary. A model enters once its training finished (its last epoch's test accuracy in metrics.jsonl, so
 * the summary can be rebuilt from the committed files); its detection once detect ran.
 */
export async function summarizeReproductions(
  dirs: readonly string[],
  descriptions: Record<string, string> = {},
): Promise<ReproductionSummary> {
  if (dirs.length === 0) throw new LgmError('summarizeReproductions: needs at least one directory, got none');
  const plans = await Promise.all(dirs.map(async (dir) => ({ dir, ...(await readPlan(dir)) })));
  const { experiment, budget } = plans[0].plan;
  for (const p of plans) {
    if (p.plan.experiment !== experiment || p.plan.budget.name !== budget.name) {
      throw new LgmError(
        `summarizeReproductions: every directory must hold the same experiment and budget (${experiment}, ${budget.name}), got ${p.plan.experiment}, ${p.plan.budget.name} in ${p.dir}`,
      );
    }
  }
  const models = new Map<string, ModelSummary>();
  for (const { dir, plan, stages } of plans) {
    for (const [name, config] of Object.entries(plan.configs)) {
      const runDir = join(dir, 'runs', name);
      if (stages[`train/${name}`] === undefined || stages[`train/${name}`]?.failed !== undefined) continue;
      const accuracy = await finalTestAccuracy(runDir);
      if (accuracy === null) continue;
      let model = models.get(name);
      if (model === undefined) {
        model = {
          name,
          description: descriptions[name] ?? name,
          featureDim: (await readRunConfig(runDir)).config.net.featureDim ?? 0,
          loss: config.loss.name,
          seeds: [],
          testError: [],
          detection: {},
          attackSuccess: {},
        };
        models.set(name, model);
      }
      const index = model.seeds.length;
      model.seeds.push(plan.seed);
      model.testError.push(round(100 * (1 - accuracy)));
      const attacks = Object.keys(stages)
        .filter((k) => k.startsWith(`attack/${name}/`) && stages[k].failed === undefined)
        .map((k) => k.slice(`attack/${name}/`.length))
        .filter((a) => existsSync(join(runDir, ADVERSARIAL_DIR, `${a}.json`)));
      for (const attack of attacks) {
        const { successRate } = await readAdversarialMeta(runDir, attack);
        putSeed(((model.attackSuccess ??= {})[attack] ??= []), index, successRate);
      }
      const detected = stages[`detect/${name}`] !== undefined && existsSync(join(runDir, 'detection.json'));
      if (!detected) continue;
      for (const row of (await readDetection(runDir)).rows) {
        const bySet = (model.detection[row.detector] ??= {});
        putSeed((bySet[row.inputSet] ??= []), index, row.auroc);
      }
    }
  }
  // Pad every list to the model's number of seeds (a later seed may lack a row an earlier one had).
  for (const m of models.values()) {
    const lists = [...Object.values(m.detection).flatMap((bySet) => Object.values(bySet))];
    lists.push(...Object.values(m.attackSuccess ?? {}));
    for (const values of lists) while (values.length < m.seeds.length) values.push(null);
  }
  return { format: 'lgm-summary-1', experiment, budget: budget.name, models: [...models.values()] };
}
