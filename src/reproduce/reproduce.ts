import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRunLock } from '../io/run-lock.js';
import { initBackend } from '../backend/index.js';
import { loadRun } from '../train/run.js';
import type { TrainConfig } from '../train/config.js';
import { writeReport } from '../viz/index.js';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { attackVariant } from './attack-stage.js';
import { BudgetName, budgetFor } from './budgets.js';
import { ReproduceContext, runDirOf } from './context.js';
import { loadExperimentData } from './data.js';
import { detectVariant } from './detect-stage.js';
import { EXPERIMENT_NAMES, ExperimentName, experimentVariants, variantConfig } from './experiments.js';
import { writeLikelihoodMap, writePanel } from './pictures.js';
import { Progress } from './progress.js';
import { writeReproduceReport } from './report.js';
import { trainVariant } from './train-stage.js';

/** Options of `reproduce`. */
export interface ReproduceOptions {
  /** 'mnist' (LeNet++, every loss and the L-GM ablations) or 'cifar10' (ResNet-20, softmax vs L-GM). */
  experiment: ExperimentName;
  /** 'tiny' (CI), 'quick' (default) or 'full' (the paper-sized budget); docs/reproduce.md, "Budgets". */
  budget?: BudgetName;
  /** Output directory (runs/, progress.json, report.md, pictures). Required. */
  outDir: string;
  /** Directory of the dataset files (required for cifar10); null = the loader's default. */
  dataDir?: string | null;
  /** Seed of every model and of the noise sets, integer >= 0. Default 0. */
  seed?: number;
  /** Only these variants (names from the experiment), in the experiment's order. Default all. */
  variants?: string[];
  /** TF.js backend (default: wasm, else cpu; or $LGM_BACKEND). */
  backend?: string;
  /** Progress lines. Default console.log. */
  log?: (line: string) => void;
  /** Ctrl-C: the current training checkpoints, the reproduction stops; a rerun continues. */
  signal?: AbortSignal;
}

/** What `reproduce` resolves to. */
export interface ReproduceResult {
  /** False when interrupted; rerun with the same options to continue. */
  completed: boolean;
  /** Path of report.md (null when interrupted before it). */
  report: string | null;
  backend: string;
}

const W = 'reproduce';

function chooseVariants(experiment: ExperimentName, names: string[] | undefined) {
  const all = experimentVariants(experiment);
  if (names === undefined) return all;
  if (!Array.isArray(names) || names.length === 0) {
    throw new LgmError(`${W}: variants must be a non-empty list of names, got ${JSON.stringify(names)}`);
  }
  for (const n of names) {
    if (!all.some((v) => v.name === n)) {
      throw new LgmError(
        `${W}: variants must be among ${all.map((v) => v.name).join(', ')}, got '${String(n)}'`,
      );
    }
  }
  return all.filter((v) => names.includes(v.name));
}

/** The validated options: experiment, budget, seed, data directory, variants and each variant's config. */
function resolvePlan(options: ReproduceOptions) {
  checkKnownKeys(W, options, [
    'experiment',
    'budget',
    'outDir',
    'dataDir',
    'seed',
    'variants',
    'backend',
    'log',
    'signal',
  ]);
  const experiment = choiceOption(W, 'experiment', options.experiment, EXPERIMENT_NAMES);
  const budget = budgetFor(experiment, options.budget);
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw new LgmError(`${W}: outDir must be a directory path, got ${JSON.stringify(options.outDir)}`);
  }
  const dataDir = options.dataDir ?? null;
  if (experiment === 'cifar10' && dataDir === null) {
    throw new LgmError(`${W}: cifar10 needs dataDir (the cifar-10-batches-bin directory), got none`);
  }
  const seed = numberOption(W, 'seed', options.seed, 0, { min: 0, integer: true, max: 2 ** 31 - 2 });
  const variants = chooseVariants(experiment, options.variants);
  const configs = new Map<string, TrainConfig>(
    variants.map((v) => [v.name, variantConfig(experiment, v, budget, { seed, dataDir })]),
  );
  return { experiment, budget, seed, dataDir, variants, configs };
}

/**
 * Runs a whole experiment: trains every variant (same seed, data and schedules), attacks each model with FGSM,
 * BIM, DeepFool and C&W, scores clean vs adversarial and OOD inputs with every detector, and writes
 * <outDir>/report.md with the tables and pictures. Each stage's result is on disk before it is marked done in
 * progress.json, so calling again with the same options continues an interrupted run.
 */
export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const plan = resolvePlan(options);
  const log = options.log ?? ((line: string) => console.log(line));
  // One reproduction per directory at a time: two would train the same runs and race on progress.json.
  return withRunLock(W, options.outDir, { create: true, note: log }, () =>
    lockedReproduce(options, plan, log),
  );
}

async function lockedReproduce(
  options: ReproduceOptions,
  { experiment, budget, seed, dataDir, variants, configs }: ReturnType<typeof resolvePlan>,
  log: (line: string) => void,
): Promise<ReproduceResult> {
  const backend = await initBackend(options.backend);
  const plan = { experiment, budget, seed, dataDir, configs: Object.fromEntries(configs) };
  const progress = await Progress.open(options.outDir, plan);
  const first = configs.get(variants[0].name)!;
  log(
    `reproduce ${experiment} (budget ${budget.name}, ${variants.length} models) in ${options.outDir}, backend ${backend}`,
  );
  const ctx: ReproduceContext = {
    experiment,
    budget,
    outDir: options.outDir,
    progress,
    data: await loadExperimentData(experiment, first),
    variants,
    configs,
    seed,
    log,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const stopped = () => ({ completed: false, report: null, backend });
  for (const v of variants) if (!(await trainVariant(ctx, v))) return stopped();
  for (const v of variants) {
    if (ctx.signal?.aborted === true) return stopped();
    await evaluateVariant(ctx, v);
  }
  if (ctx.signal?.aborted === true) return stopped();
  return { completed: true, report: await writeSummary(ctx), backend };
}

/** Attacks and detection of one trained variant, sharing one loaded model. */
async function evaluateVariant(ctx: ReproduceContext, v: { name: string }): Promise<void> {
  const variant = ctx.variants.find((x) => x.name === v.name)!;
  if (ctx.progress.done(`detect/${variant.name}`) || ctx.progress.failure(variant.name) !== null) return;
  const run = await loadRun(runDirOf(ctx, variant.name));
  try {
    await attackVariant(ctx, variant, run.classifier);
    if (ctx.signal?.aborted === true || ctx.progress.failure(variant.name) !== null) return;
    await detectVariant(ctx, variant, run.classifier);
  } finally {
    run.dispose();
  }
}

/** Each run's own report, then the summary pictures and report.md. */
async function writeSummary(ctx: ReproduceContext): Promise<string> {
  for (const v of ctx.variants) {
    if (ctx.progress.failure(v.name) !== null) continue;
    await ctx.progress.stage(`report/${v.name}`, async () => {
      await writeReport(runDirOf(ctx, v.name), { format: 'png' });
    });
  }
  // A finished reproduction copied out of its run root (bench/collect-results.sh) has its reports but not the
  // test-set features the pictures are drawn from: keep its report.md rather than fail on the first missing file.
  const report = join(ctx.outDir, 'report.md');
  const missing = ctx.variants.filter((v) => !existsSync(join(runDirOf(ctx, v.name), 'features.json')));
  if (
    missing.length > 0 &&
    existsSync(report) &&
    ctx.variants.every((v) => ctx.progress.done(`report/${v.name}`))
  ) {
    ctx.log(
      `${ctx.outDir} is complete; kept its report.md (${missing.map((v) => v.name).join(', ')} ` +
        'without features.json: collected results leave the test features out, and the pictures need them)',
    );
    return report;
  }
  const started = performance.now();
  const pictures = { panel: await writePanel(ctx), map: await writeLikelihoodMap(ctx) };
  const file = await writeReproduceReport(ctx, pictures, (performance.now() - started) / 1000);
  ctx.log(`wrote ${file}`);
  return file;
}
