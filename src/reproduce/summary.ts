import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { readRunConfig } from '../train/run.js';
import { readJsonFile, writeJsonFile } from '../run/json-file.js';
import { LgmError, describe } from '../util/errors.js';
import { readMetrics } from '../run/metrics.js';
import { readDetection } from '../run/detection.js';

/**
 * summary.json: the results of one or more reproductions of the same experiment and budget (typically one per
 * seed), per model, in percent: test error and the AUROC of every detector on every input set, one entry per
 * seed, in the order of `seeds` (null where that seed's model has no such row yet).
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
        };
        models.set(name, model);
      }
      const index = model.seeds.length;
      model.seeds.push(plan.seed);
      model.testError.push(round(100 * (1 - accuracy)));
      const detected = stages[`detect/${name}`] !== undefined && existsSync(join(runDir, 'detection.json'));
      if (!detected) continue;
      for (const row of (await readDetection(runDir)).rows) {
        const bySet = (model.detection[row.detector] ??= {});
        const values = (bySet[row.inputSet] ??= []);
        while (values.length < index) values.push(null);
        values[index] = row.auroc === null ? null : round(100 * row.auroc);
      }
    }
  }
  // Pad every AUROC list to the model's number of seeds (a later seed may lack a row an earlier one had).
  for (const m of models.values()) {
    for (const bySet of Object.values(m.detection)) {
      for (const values of Object.values(bySet)) while (values.length < m.seeds.length) values.push(null);
    }
  }
  return { format: 'lgm-summary-1', experiment, budget: budget.name, models: [...models.values()] };
}

/** Mean and sample standard deviation of the non-null values, or null when there are none. */
export function meanAndSpread(
  values: readonly (number | null)[],
): { mean: number; sd: number; n: number } | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, n: xs.length };
}

function cell(values: readonly (number | null)[], digits: number): string {
  const s = meanAndSpread(values);
  if (s === null) return '-';
  return s.n < 2
    ? `${s.mean.toFixed(digits)} (1 seed)`
    : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)} (${s.n})`;
}

/** The summary as markdown: test error, then one AUROC table per model (mean ± sd over seeds, and n). */
export function summaryMarkdown(summary: ReproductionSummary): string {
  const lines = [
    `# Summary: ${summary.experiment}, budget ${summary.budget}`,
    '',
    'Mean ± sample standard deviation over seeds (number of seeds in brackets), in percent. Adversarial sets:',
    '`<attack>-all` = the adversarial versions of the correctly classified attacked test images, whether or not',
    'the attack flipped them; `<attack>-successful` = only the flipped ones; both against those same clean images.',
    'OOD sets against the clean test images. Machine-readable: summary.json.',
    '',
    '## Test error %',
    '',
    '| model | feature | loss | seeds | test error % |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of summary.models) {
    lines.push(
      `| ${m.name} | ${m.featureDim} | ${m.description} | ${m.seeds.join(', ')} | ${cell(m.testError, 2)} |`,
    );
  }
  for (const m of summary.models) {
    const detectors = Object.keys(m.detection);
    if (detectors.length === 0) continue;
    const sets = [...new Set(detectors.flatMap((d) => Object.keys(m.detection[d])))];
    lines.push(
      '',
      `## ${m.name}: AUROC %`,
      '',
      `| detector | ${sets.join(' | ')} |`,
      `| --- |${' --- |'.repeat(sets.length)}`,
    );
    for (const d of detectors) {
      lines.push(`| ${d} | ${sets.map((s) => cell(m.detection[d][s] ?? [], 1)).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes <outDir>/summary.json and summary.md. */
export async function writeSummaryFiles(outDir: string, summary: ReproductionSummary): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeJsonFile(join(outDir, 'summary.json'), summary);
  await writeFileAtomicAsync(join(outDir, 'summary.md'), summaryMarkdown(summary));
}
