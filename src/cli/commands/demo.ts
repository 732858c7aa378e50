import { resolveTrainConfig, TrainConfig } from '../../train/config.js';
import { defaultRunDir, runTrainingSession } from '../../train/session.js';
import { disposeModel } from '../../train/model.js';
import type { Command } from '../command.js';
import { LOSS_NAMES } from '../../losses/registry.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  SEED_RANGE,
  integerFlag,
  olderName,
  parseFlagTable,
  renamedValue,
  usageText,
} from '../flags.js';
import { loadAddon } from '../../native/addon.js';
import { withRunLock } from '../../io/run-lock.js';
import { writeReport } from '../../viz/report.js';
import { ATTACK_DEFAULTS } from '../../attacks/run.js';
import { formatDetectionTable } from '../../detect/evaluate.js';
import { detectorNamesFor } from '../../detect/registry.js';
import { readMixtureFile } from '../../run/mixture.js';
import { attackRunDir } from '../../run/attack-run.js';
import { defaultOodSpecs, detectRunDir } from '../../run/detect-run.js';
import { loadRun } from '../../train/run.js';

/** The demo's budget: training images per epoch, epochs, and test images. */
export const DEMO_DEFAULTS = { trainImages: 60000, epochs: 1, testImages: 10000, attackImages: 500 };

/**
 * The budget without the native kernels: plain wasm trains LeNet++ several times slower, so the full pass would
 * keep a first-time user waiting; this one ends in a few minutes (docs/training.md, "Why `lgm demo` uses its
 * defaults").
 */
export const WASM_DEMO_BUDGET = { trainImages: 12000, epochs: 1, testImages: 5000, attackImages: 200 };

/** The demo's default budget: the full one with the native kernels, the shorter one on plain wasm. */
export function demoBudget(nativeKernels: boolean): typeof DEMO_DEFAULTS {
  return nativeKernels ? DEMO_DEFAULTS : WASM_DEMO_BUDGET;
}

/**
 * The demo's config: LeNet++ with a 2-D feature and L-GM (identity covariance) on MNIST, Adam (lr 1e-3; 3e-3
 * diverged) with batches of 32 (more steps per image than 64, which learnt slower in the same budget). The margin
 * ramps up over the first half of the budget: a 2-D feature space cannot take a margin from the first step. The
 * mixture means learn 10x faster than the network: Adam moves a weight by at most about lr per step, so in a
 * short budget means at lr 1e-3 barely leave their random start. lambda 0.1 rather than 0.01: with 0.01 the
 * features spread past their means and the likelihood no longer flags anything. The default budget is one pass
 * over all of MNIST. The figures behind each choice: docs/training.md, "Why `lgm demo` uses its defaults".
 */
export function demoConfig(budget: {
  trainImages: number;
  epochs: number;
  testImages: number;
  seed: number;
  loss: string;
}): TrainConfig {
  const isLgm = budget.loss === 'lgm';
  return resolveTrainConfig({
    dataset: { name: 'mnist', trainLimit: budget.trainImages, testLimit: budget.testImages },
    net: { name: 'lenetpp', featureDim: 2 },
    loss: {
      name: budget.loss as never,
      options: isLgm ? { covariance: 'identity', alpha: 0.1, lambda: 0.1 } : {},
    },
    optimizer: { name: 'adam', weightDecay: 0, mixtureLrMultiplier: isLgm ? 10 : 1 },
    lr: { base: 0.001 },
    ...(isLgm ? { alpha: { kind: 'ramp', value: 0.1, epochs: budget.epochs / 2 } } : {}),
    epochs: budget.epochs,
    batchSize: 32,
    evalBatchSize: 500,
    seed: budget.seed,
    logEvery: 10,
  });
}

/** A count flag of the demo (an integer >= 1). */
function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  return integerFlag('demo', flag, value, fallback, { min: 1 });
}

/**
 * The demo's second half: FGSM and BIM on the first test images, every detector against them, Fashion-MNIST
 * (when installed) and noise, then report.md with the plots. Same code paths as lgm attack / detect / plot.
 */
async function detectionAndReport(
  runDir: string,
  budget: { attackImages: number; trainImages: number },
  backend: string,
  notes: string[],
) {
  // One loaded model for the attacks and the detection (the backend is already up).
  const run = await loadRun(runDir);
  const mixture = await readMixtureFile(runDir).catch((error: unknown) => {
    run.dispose();
    throw error;
  });
  try {
    const dataset = { name: run.config.dataset.name, dataDir: run.config.dataset.dataDir };
    const settings = ATTACK_DEFAULTS;
    const attacks = ['fgsm', 'bim'] as const;
    await attackRunDir(runDir, run.classifier, dataset, {
      attacks,
      settings,
      limit: budget.attackImages,
      backend,
    });
    // Clean test images: twice the attacked ones. Detectors are fitted on the first training images: those the
    // model trained on, at least 1000 so that every class is there, at most 5000.
    const outcome = await detectRunDir(runDir, run.classifier, mixture, dataset, {
      detectors: detectorNamesFor(mixture),
      adversarial: null,
      ood: defaultOodSpecs(dataset.name),
      limit: 2 * budget.attackImages,
      fitLimit: Math.max(1000, Math.min(5000, budget.trainImages)),
      batchSize: 256,
      seed: 0,
    });
    for (const note of outcome.notes) console.log(`note: ${note}`);
    console.log(formatDetectionTable(outcome.report.rows));
    console.log(`wrote ${outcome.file}`);
  } finally {
    mixture?.dispose();
    run.dispose();
  }
  const report = await writeReport(runDir, { notes });
  const skipped = report.parts.filter((p) => p.status !== 'written').map((p) => p.part);
  console.log(`report: ${runDir}/report.md${skipped.length > 0 ? ` (skipped: ${skipped.join(', ')})` : ''}`);
}

/** What the demo says (printed and in report.md) when it ran the shorter wasm budget. */
export function shortBudgetNotes(config: TrainConfig, accuracy: number | null, reason: string): string[] {
  const reached = accuracy === null ? '' : `, reaching ${(100 * accuracy).toFixed(2)}% test accuracy`;
  return [
    `Shorter budget: the native kernels are not available (${reason}), so this demo trained on ` +
      `${config.dataset.trainLimit} images instead of ${DEMO_DEFAULTS.trainImages}${reached} ` +
      `(the full budget reaches about 98%, README "Results").`,
    'The full demo: `npm run setup` (installs g++, make and libdnnl-dev, builds the kernels), then `lgm demo`; ' +
      'or `lgm demo --full` on wasm (10-16 minutes of training on 2 cores).',
  ];
}

const FLAGS = [
  {
    name: 'train-limit',
    value: '<n>',
    help: `training images per epoch, the budget (default ${DEMO_DEFAULTS.trainImages})`,
  },
  { name: 'epochs', value: '<n>', help: `epochs (default ${DEMO_DEFAULTS.epochs})` },
  {
    name: 'test-limit',
    value: '<n>',
    help: `test images to evaluate (default ${DEMO_DEFAULTS.testImages}; 10000 = all)`,
  },
  { name: 'full', help: 'the full budget even without the native kernels (10-16 min of training on wasm)' },
  {
    name: 'loss',
    value: '<name>',
    help: `lgm (default) or a baseline: ${LOSS_NAMES.filter((n) => n !== 'lgm').join(' | ')}`,
  },
  { name: 'seed', value: '<s>', help: 'seed (default 0)' },
  { name: 'out', value: '<dir>', help: 'run directory (default runs/<date>-lenetpp-<loss>)' },
  BACKEND_FLAG,
  { name: 'quiet', help: 'no progress output' },
  { name: 'no-detection', help: 'skip the attacks, the detection table and the report' },
  {
    name: 'attack-limit',
    value: '<n>',
    help: `test images attacked with FGSM and BIM (default ${DEMO_DEFAULTS.attackImages})`,
  },
  olderName('train-images', 'train-limit'),
  olderName('test-images', 'test-limit'),
  olderName('attack-images', 'attack-limit'),
] as const satisfies readonly FlagDef[];

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'the main job: train LeNet++ (2-D feature) with L-GM on MNIST for a short budget; print test accuracy',
  usage: usageText({
    synopsis: ['lgm demo [options]'],
    about: [
      'Trains LeNet++ with a 2-D feature and the L-GM loss on the MNIST copy shipped with lgm, prints the test',
      'accuracy and writes a run directory (config, metrics, checkpoint, features.json, mixture.json).',
      '',
      'Without the native kernels (plain wasm) the default budget is shorter, about 5 minutes on 2 cores:',
      `${WASM_DEMO_BUDGET.trainImages} training images, ${WASM_DEMO_BUDGET.testImages} test images, ${WASM_DEMO_BUDGET.attackImages} attacked; --full runs the full one.`,
    ],
    flags: FLAGS,
    notes: ['For every option (other nets, losses, schedules, resume) use lgm train.'],
  }),
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    const seed = integerFlag('demo', 'seed', values.seed, 0, SEED_RANGE);
    const native = loadAddon();
    const defaults = values.full === true ? DEMO_DEFAULTS : demoBudget(native.addon !== null);
    // The note is about the budget lgm chose; a user's own --train-limit is their choice.
    const trainLimit = renamedValue('demo', values, 'train-limit', 'train-images');
    const short = defaults !== DEMO_DEFAULTS && trainLimit === undefined;
    const config = demoConfig({
      trainImages: positiveInt('train-limit', trainLimit, defaults.trainImages),
      epochs: positiveInt('epochs', values.epochs, defaults.epochs),
      testImages: positiveInt(
        'test-limit',
        renamedValue('demo', values, 'test-limit', 'test-images'),
        defaults.testImages,
      ),
      seed,
      loss: values.loss ?? 'lgm',
    });
    const runDir = values.out ?? defaultRunDir(config);
    const attackImages = positiveInt(
      'attack-limit',
      renamedValue('demo', values, 'attack-limit', 'attack-images'),
      defaults.attackImages,
    );
    const started = Date.now();
    if (short) {
      console.log(
        `note: the native kernels are not available (${native.reason}); running the shorter wasm budget (about 5 minutes on 2 cores): ${config.dataset.trainLimit} training images; lgm demo --full runs the full one`,
      );
    }
    // One lock over training, attacks, detection and report (the nested commands share it).
    return withRunLock('demo', runDir, { create: true }, async () => {
      const { result, exitCode, backend } = await runTrainingSession({
        config,
        runDir,
        resume: false,
        backend: values.backend,
        quiet: values.quiet === true,
      });
      const accuracy = result.evaluation === null ? null : result.evaluation.accuracy;
      disposeModel(result.model);
      if (!result.completed) {
        // lgm demo has no --resume: the demo's run is an ordinary run directory that lgm train continues.
        console.log(
          `to finish the demo: lgm train --resume ${runDir}, then lgm attack --run ${runDir}, ` +
            `lgm detect --run ${runDir} and lgm plot report --run ${runDir}`,
        );
        return exitCode;
      }
      const notes = short ? shortBudgetNotes(config, accuracy, native.reason ?? '') : [];
      if (values['no-detection'] !== true) {
        const trainImages = config.dataset.trainLimit ?? defaults.trainImages;
        await detectionAndReport(runDir, { attackImages, trainImages }, backend, notes);
      }
      for (const note of notes) console.log(`note: ${note}`);
      console.log(`run directory: ${runDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return 0;
    });
  },
};
