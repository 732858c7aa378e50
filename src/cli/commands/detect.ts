import { initBackend } from '../../backend/index.js';
import { DETECTOR_NAMES, detectorNamesFor } from '../../detect/registry.js';
import { NOISE_SETS, formatDetectionTable } from '../../detect/index.js';
import { openRunSource } from '../../export/run-source.js';
import type { Command } from '../command.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  RUN_FLAG,
  SEED_RANGE,
  integerFlag,
  listFlag,
  parseFlagTable,
  runDirArg,
  splitList,
  usageText,
} from '../flags.js';
import { withRunLock } from '../../io/run-lock.js';
import { checkFileName } from '../../io/paths.js';
import { type OodSpec, defaultOodSpecs, detectRunDir } from '../../run/detect-run.js';

const FLAGS = [
  RUN_FLAG,
  {
    name: 'out',
    value: '<dir>',
    help: [
      'where adversarial sets are read and detection.json written (default: the run',
      'directory; runs/pretrained-<name> for a pretrained model)',
    ],
  },
  {
    name: 'detectors',
    value: '<list>',
    help: [`among ${DETECTOR_NAMES.join(', ')}`, '(default: all; lgm-* only for L-GM runs)'],
  },
  {
    name: 'adversarial',
    value: '<list>',
    help: 'adversarial sets of <out>/adversarial, or none (default: every set there)',
  },
  {
    name: 'ood',
    value: '<list>',
    help: [
      `among fashion-mnist, ${NOISE_SETS.join(', ')}, a dataset name, idx:<dir>, or none`,
      '(default: fashion-mnist (MNIST runs, skipped with a note when absent), gaussian, uniform)',
    ],
  },
  { name: 'limit', value: '<n>', help: 'clean test images and images per OOD set (default 1000)' },
  { name: 'fit-limit', value: '<n>', help: 'training images the detectors are fitted on (default 5000)' },
  { name: 'batch-size', value: '<n>', help: 'batch size of feature extraction (default 256)' },
  { name: 'seed', value: '<s>', help: 'seed of the noise sets (default 0)' },
  {
    name: 'data-dir',
    value: '<dir>',
    help: "directory of the run dataset's files (default: the run config's, else the loader's)",
  },
  BACKEND_FLAG,
] as const satisfies readonly FlagDef[];

const usage = usageText({
  synopsis: ['lgm detect --run <dir> [options]'],
  about: [
    'Fits each detector on features of the first --fit-limit training images, then scores the first --limit clean',
    'test images against each input set (successful adversarial examples of lgm attack, and OOD sets). Prints one',
    'table (detector x input set: AUROC, AUPR-in, AUPR-out, FPR at 95% TPR, detection accuracy, attack success',
    'rate) and writes it with ROC curves to <out>/detection.json. See docs/detection.md.',
  ],
  flags: FLAGS,
});

function oodSpecs(value: string | undefined, dataset: string): OodSpec[] {
  if (value === 'none') return [];
  if (value !== undefined) return splitList(value).map((name) => ({ name, optional: false }));
  return defaultOodSpecs(dataset);
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'score clean vs adversarial and OOD inputs with every detector; writes <run>/detection.json',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const where = 'detect';
    const runDir = runDirArg(where, values.run, positionals);
    const limit = integerFlag(where, 'limit', values.limit, 1000, { min: 1 });
    const fitLimit = integerFlag(where, 'fit-limit', values['fit-limit'], 5000, { min: 1 });
    const batchSize = integerFlag(where, 'batch-size', values['batch-size'], 256, { min: 1 });
    const seed = integerFlag(where, 'seed', values.seed, 0, SEED_RANGE);
    const requested =
      values.detectors === undefined ? null : listFlag(where, 'detectors', values.detectors, DETECTOR_NAMES);
    const adversarial =
      values.adversarial === 'none'
        ? []
        : values.adversarial === undefined
          ? null
          : splitList(values.adversarial).map((n) => checkFileName(where, n, '--adversarial entries'));
    await initBackend(values.backend);
    const source = await openRunSource(where, runDir, values.out, values['data-dir']);
    const mixture = await source.mixture().catch((error: unknown) => {
      source.run.dispose();
      throw error;
    });
    try {
      const run = source.run;
      const dataset = {
        name: run.config.dataset.name,
        dataDir: values['data-dir'] ?? run.config.dataset.dataDir,
      };
      const options = {
        detectors: requested ?? detectorNamesFor(mixture),
        adversarial,
        ood: oodSpecs(values.ood, dataset.name),
        limit,
        fitLimit,
        batchSize,
        seed,
      };
      // Inputs are pixels in [0, 1]; loadRun's classifier normalises them as lgm train did.
      const outcome = await withRunLock(where, source.outDir, {}, () =>
        detectRunDir(source.outDir, run.classifier, mixture, dataset, options),
      );
      for (const note of outcome.notes) console.log(`note: ${note}`);
      console.log(
        `lgm detect: ${limit} clean test images vs ${outcome.sets.map((s) => `${s.name} (${s.count})`).join(', ')}`,
      );
      console.log(formatDetectionTable(outcome.report.rows));
      console.log(`wrote ${outcome.file}`);
      return 0;
    } finally {
      mixture?.dispose();
      source.run.dispose();
    }
  },
};
