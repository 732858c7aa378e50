import { writeFileAtomicAsync } from '../io/atomic.js';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { version_layers } from '@tensorflow/tfjs-layers';
import { packageVersion } from '../util/version.js';
import { describeBackend } from '../backend/index.js';
import { readDetection, readRunFeatures } from '../viz/index.js';
import type { Detection } from '../viz/index.js';
import { AttackSummary, REPRODUCE_ATTACKS, readAttackSummary } from './attack-stage.js';
import { readRunConfig } from '../train/run.js';
import { ReproduceContext, runDirOf } from './context.js';
import type { Variant } from './experiments.js';

/** What the report shows of one variant. */
interface VariantResult {
  variant: Variant;
  testError: number;
  testCount: number;
  /** The feature width the model has (features.json). */
  featureDim: number;
  attacks: AttackSummary[];
  detection: Detection;
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(2)}`);
const secs = (s: number) =>
  s < 10 ? `${s.toFixed(1)} s` : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const head = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

async function variantResult(ctx: ReproduceContext, variant: Variant): Promise<VariantResult> {
  const runDir = runDirOf(ctx, variant.name);
  const features = await readRunFeatures(runDir);
  const wrong = features.labels.filter((l, i) => l !== features.predictions[i]).length;
  const attacks: AttackSummary[] = [];
  for (const attack of REPRODUCE_ATTACKS) attacks.push(await readAttackSummary(runDir, attack));
  return {
    variant,
    testError: wrong / features.labels.length,
    testCount: features.labels.length,
    featureDim: features.dim,
    attacks,
    detection: await readDetection(runDir),
  };
}

function errorTable(ctx: ReproduceContext, results: VariantResult[]): string[] {
  const lines = head(['model', 'net', 'feature', 'loss', 'test error %', 'test images', 'train time']);
  for (const r of results) {
    const config = ctx.configs.get(r.variant.name)!;
    lines.push(
      row([
        `[${r.variant.name}](runs/${r.variant.name}/report.md)`,
        config.net.name,
        r.featureDim,
        r.variant.description,
        pct(r.testError),
        r.testCount,
        secs(ctx.progress.seconds(`train/${r.variant.name}`)),
      ]),
    );
  }
  return lines;
}

function attackTable(results: VariantResult[]): string[] {
  const lines = head(['model', ...REPRODUCE_ATTACKS.map((a) => `${a} success % (mean L2)`)]);
  for (const r of results) {
    const cells = r.attacks.map((a) => `${pct(a.successRate)} (${a.meanL2.toFixed(2)})`);
    lines.push(row([r.variant.name, ...cells]));
  }
  return lines;
}

/** One table per model: detectors down, input sets across, each cell "AUROC / FPR@95" in percent. */
function detectionTables(results: VariantResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const sets = [...new Set(r.detection.rows.map((d) => d.inputSet))];
    const detectors = [...new Set(r.detection.rows.map((d) => d.detector))];
    lines.push(`**${r.variant.name}** (${r.variant.description})`, '', ...head(['detector', ...sets]));
    for (const detector of detectors) {
      const cells = sets.map((set) => {
        const d = r.detection.rows.find((x) => x.detector === detector && x.inputSet === set);
        return d === undefined ? '-' : `${pct(d.auroc)} / ${pct(d.fpr95)}`;
      });
      lines.push(row([detector, ...cells]));
    }
    lines.push('');
  }
  return lines;
}

/**
 * Published accuracies we can check against: the follow-up work's code (jschenthu/GM-Loss, arXiv 2011.09066)
 * reports these for L-GM; the CVPR 2018 paper's own tables are not in the project's reference notes, so the
 * report does not quote them.
 */
const REFERENCE_ACCURACY: Record<string, { variant: string; accuracy: number; what: string }[]> = {
  mnist: [
    { variant: 'lgm-2d', accuracy: 0.9929, what: 'MNIST, 2-D feature' },
    { variant: 'lgm-100d', accuracy: 0.997, what: 'MNIST, 100-D feature' },
  ],
  cifar10: [{ variant: 'lgm', accuracy: 0.928, what: 'CIFAR-10' }],
  'fashion-mnist': [],
};

function referenceSection(ctx: ReproduceContext, results: VariantResult[]): string[] {
  const lines = [
    '## Compared with published numbers',
    '',
    "The CVPR 2018 paper's tables are not in this project's reference notes, so they are not quoted here. The " +
      'follow-up work (Wan et al., arXiv 2011.09066; its code, jschenthu/GM-Loss) reports the test accuracies ' +
      'below for L-GM (its own training schedule, not this budget):',
    '',
    ...head(['setting', 'published test error %', 'ours %', 'model']),
  ];
  for (const ref of REFERENCE_ACCURACY[ctx.experiment]) {
    const ours = results.find((r) => r.variant.name === ref.variant);
    lines.push(
      row([
        ref.what,
        pct(1 - ref.accuracy),
        ours === undefined ? 'not run' : pct(ours.testError),
        ref.variant,
      ]),
    );
  }
  if (ctx.budget.name !== 'full') {
    lines.push(
      '',
      `At the ${ctx.budget.name} budget a gap to these numbers is expected and says nothing about L-GM.`,
    );
  }
  return [...lines, ''];
}

const schedule = (s: unknown) => (s === null ? '-' : JSON.stringify(s).replace(/"/g, ''));

/** The shared training config, the budget, and per model the resolved loss options (from its config.json). */
async function configSection(ctx: ReproduceContext, results: VariantResult[]): Promise<string[]> {
  const first = ctx.configs.get(ctx.variants[0].name)!;
  const shared = {
    ...first,
    net: { name: first.net.name },
    loss: undefined,
    alpha: undefined,
    lambda: undefined,
  };
  const lines = [
    '## Configuration',
    '',
    `Seed ${ctx.seed}. Every model: the same data, optimizer, schedules and seed; only the feature width, the loss ` +
      'and which of alpha / lambda are on differ (on: the budget schedule below; off: constant 0). A schedule ' +
      'overrides the alpha / lambda of the loss options.',
    '',
    ...head(['model', 'loss options (resolved)', 'alpha', 'lambda']),
  ];
  for (const r of results) {
    const { config } = await readRunConfig(runDirOf(ctx, r.variant.name));
    const options = JSON.stringify(config.loss.options).replace(/"/g, '').replace(/,/g, ', ');
    lines.push(
      row([
        r.variant.name,
        `${config.loss.name} ${options}`,
        schedule(config.alpha),
        schedule(config.lambda),
      ]),
    );
  }
  return [
    ...lines,
    '',
    '```json',
    JSON.stringify({ budget: ctx.budget, sharedTrainConfig: shared }, null, 1),
    '```',
    '',
  ];
}

function notesSection(ctx: ReproduceContext): string[] {
  const notes = ctx.progress.notes();
  return notes.length === 0 ? [] : ['### Notes', '', ...notes.map((n) => `- ${n}`), ''];
}

function versions(): string[] {
  const cpu = cpus();
  return [
    `- lgm ${packageVersion()}, TensorFlow.js core ${tf.version_core}, layers ${version_layers}; ${describeBackend()}`,
    `- Node ${process.version} on ${platform()} ${release()}, ${cpu.length} CPU(s) (${cpu[0]?.model ?? 'unknown'})`,
  ];
}

function wallTimes(ctx: ReproduceContext, reportSeconds: number): string[] {
  const parts = ['train', 'attack', 'detect', 'report'].map(
    (stage) => `${stage} ${secs(ctx.progress.total(`${stage}/`))}`,
  );
  const total = ctx.progress.total() + reportSeconds;
  return [
    `- Total: **${secs(total)}** (${parts.join(', ')}, summary pictures ${secs(reportSeconds)}).`,
    '- Sums of the finished stages; after an interruption the unfinished stage restarts from its last',
    '  checkpoint and the time spent before the interruption is not counted.',
  ];
}

/** What the report says about its budget, from the budget itself. */
function budgetNote(budget: ReproduceContext['budget']): string {
  if (budget.name === 'full') {
    return 'The paper-sized budget (see docs/reproduce.md for the schedule and where it comes from).';
  }
  if (budget.name === 'tiny') {
    return 'The **tiny** CI budget: seconds of training on a handful of images. The numbers mean nothing.';
  }
  const images = budget.trainLimit === null ? 'all training images' : `${budget.trainLimit} training images`;
  const epochs = budget.epochs === 1 ? 'one pass' : `${budget.epochs} passes`;
  return (
    `The **quick** budget: ${epochs} of batch ${budget.batchSize} over ${images}, attacks on ` +
    `${budget.attackLimit} test images. These numbers show that the pipeline works and how the variants compare ` +
    "at this budget; they are **not** the paper's numbers and should not be compared with them."
  );
}

/** Writes <outDir>/report.md from the run directories and the progress record. */
export async function writeReproduceReport(
  ctx: ReproduceContext,
  pictures: { panel: string | null; map: string | null },
  reportSeconds: number,
): Promise<string> {
  const results: VariantResult[] = [];
  const failures: string[] = [];
  for (const v of ctx.variants) {
    const failure = ctx.progress.failure(v.name);
    if (failure === null) results.push(await variantResult(ctx, v));
    else failures.push(`- **${v.name}** (${v.description}) failed: ${failure.replace(/\n/g, ' ')}`);
  }
  const md = [
    `# Reproduction: ${ctx.experiment}, budget ${ctx.budget.name}`,
    '',
    budgetNote(ctx.budget),
    '',
    '## Test error',
    '',
    ...errorTable(ctx, results),
    '',
    ...(failures.length === 0 ? [] : ['Models that failed (left out of every table):', '', ...failures, '']),
    ...referenceSection(ctx, results),
    '## Attacks',
    '',
    `The first ${ctx.budget.attackLimit} test images, pixels in [0, 1]. Success = adversarial prediction wrong, ` +
      'among the images the model classified correctly; mean L2 over those successes.',
    '',
    ...attackTable(results),
    '',
    '## Detection',
    '',
    `Detectors fitted on the features of ${ctx.budget.fitLimit} training images; ${ctx.budget.detectLimit} clean ` +
      'test images against the successful adversarial examples of each attack and each OOD set. ' +
      'Cells: AUROC / FPR at 95% TPR, in percent (higher AUROC and lower FPR are better).',
    '',
    ...detectionTables(results),
    ...notesSection(ctx),
    '## Pictures',
    '',
    ...(pictures.panel === null
      ? []
      : ['### Feature spaces', '', `![feature spaces](${pictures.panel})`, '']),
    ...(pictures.map === null ? [] : ['### Likelihood map', '', `![likelihood map](${pictures.map})`, '']),
    'Each model has its own report (feature space, likelihood map, ROC curves, training curves) under `runs/`.',
    '',
    ...(await configSection(ctx, results)),
    '## Versions and wall time',
    '',
    ...versions(),
    ...wallTimes(ctx, reportSeconds),
    '',
  ];
  const file = join(ctx.outDir, 'report.md');
  await writeFileAtomicAsync(file, md.join('\n'));
  return file;
}
