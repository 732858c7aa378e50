import { initBackend } from '../../backend/index.js';
import { ATTACK_NAMES, AttackName } from '../../attacks/registry.js';
import { openRunSource } from '../../export/run-source.js';
import type { Command } from '../command.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  RUN_FLAG,
  SEED_RANGE,
  integerFlag,
  listFlag,
  numberFlag,
  parseFlagTable,
  runDirArg,
  usageText,
} from '../flags.js';
import { withRunLock } from '../../io/run-lock.js';
import { attackRunDir } from '../../run/attack-run.js';
import { ATTACK_DEFAULTS } from '../../attacks/run.js';

const FLAGS = [
  RUN_FLAG,
  {
    name: 'out',
    value: '<dir>',
    help: ['output directory (default: the run directory; runs/pretrained-<name> for a', 'pretrained model)'],
  },
  {
    name: 'attacks',
    value: '<list>',
    help: `comma-separated, among ${ATTACK_NAMES.join(', ')} (default fgsm,bim)`,
  },
  { name: 'epsilon', value: '<e>', help: 'L-inf budget of fgsm, bim, pgd (default 0.3)' },
  { name: 'epsilon-l2', value: '<e>', help: 'L2 budget of pgd-l2 (default 3)' },
  {
    name: 'steps',
    value: '<n>',
    help: 'steps of bim/pgd (default 10); deepfool iterations and cw Adam steps are at least 50/100',
  },
  { name: 'limit', value: '<n>', help: 'number of test images attacked (default 1000)' },
  { name: 'batch-size', value: '<n>', help: 'examples attacked at once (default 100)' },
  { name: 'seed', value: '<s>', help: 'seed of random starts (default 0)' },
  {
    name: 'data-dir',
    value: '<dir>',
    help: "directory of the dataset files (default: the run config's, else the loader's)",
  },
  BACKEND_FLAG,
] as const satisfies readonly FlagDef[];

export const attackCommand: Command = {
  name: 'attack',
  summary: 'attack a trained run on its test set; writes <run>/adversarial/<attack>.json + .f32',
  usage: usageText({
    synopsis: ['lgm attack --run <dir> [options]'],
    about: [
      "Attacks the first --limit test images of the run's dataset in pixel space ([0, 1], normalised for the model as",
      'lgm train does) and writes each adversarial set to <out>/adversarial/<attack>.json (per-example success, norms,',
      'features of the successful examples) and <attack>.f32 (float32 inputs). Successful: the image was classified',
      'correctly and the attack flipped it.',
    ],
    flags: FLAGS,
  }),
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const where = 'attack';
    const runDir = runDirArg(where, values.run, positionals);
    const attacks = listFlag<AttackName>(where, 'attacks', values.attacks ?? 'fgsm,bim', ATTACK_NAMES);
    const d = ATTACK_DEFAULTS;
    const settings = {
      epsilon: numberFlag(where, 'epsilon', values.epsilon, d.epsilon, { min: 0 }),
      epsilonL2: numberFlag(where, 'epsilon-l2', values['epsilon-l2'], d.epsilonL2, { min: 0 }),
      steps: integerFlag(where, 'steps', values.steps, d.steps, { min: 1 }),
      seed: integerFlag(where, 'seed', values.seed, d.seed, SEED_RANGE),
      batchSize: integerFlag(where, 'batch-size', values['batch-size'], d.batchSize, { min: 1 }),
      clipMin: d.clipMin,
      clipMax: d.clipMax,
    };
    const limit = integerFlag(where, 'limit', values.limit, 1000, { min: 1 });
    const backend = await initBackend(values.backend);
    const source = await openRunSource(where, runDir, values.out, values['data-dir']);
    const run = source.run;
    try {
      const dataset = {
        name: run.config.dataset.name,
        dataDir: values['data-dir'] ?? run.config.dataset.dataDir,
      };
      // Attack in pixel space: loadRun's classifier normalises as lgm train did.
      await withRunLock(where, source.outDir, {}, () =>
        attackRunDir(source.outDir, run.classifier, dataset, { attacks, settings, limit, backend }),
      );
      return 0;
    } finally {
      run.dispose();
    }
  },
};
