import { initBackend } from '../../backend/index.js';
import { exportRun } from '../../export/export-run.js';
import type { Command } from '../command.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  RUN_FLAG,
  integerFlag,
  numberFlag,
  olderName,
  parseFlagTable,
  renamedValue,
  requiredFlag,
  runDirArg,
  usageText,
} from '../flags.js';

const FLAGS = [
  { ...RUN_FLAG, help: 'run directory written by lgm train (required; also read without --run)' },
  { name: 'out', value: '<dir>', help: 'output directory (required; an existing export there is replaced)' },
  {
    name: 'flag-rate',
    value: '<r>',
    help: 'fraction of clean training images flagged, in (0, 1) (default 0.05)',
  },
  {
    name: 'calibration-limit',
    value: '<n>',
    help: 'training images the threshold is calibrated on (default 5000)',
  },
  olderName('calibration-images', 'calibration-limit'),
  BACKEND_FLAG,
] as const satisfies readonly FlagDef[];

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a run as a TF.js LayersModel with a calibrated "unfamiliar" threshold (Node and browsers)',
  usage: usageText({
    synopsis: ['lgm export --run <dir> --out <dir> [options]'],
    about: [
      "Writes <out>/model.json + weights: the run's network followed by lgm's GaussianMixture layer (a dense layer",
      'for softmax and center-loss runs), with the input normalisation and the "unfamiliar" threshold in its',
      "metadata. The threshold is the --flag-rate quantile of the score of the run's first training images (the",
      'log-likelihood of each feature under its predicted class; log max softmax for softmax runs): that fraction',
      'of clean training images is flagged. Load it with loadLgmModel (Node or browser), open it in the web app,',
      'or pass the directory to lgm eval / attack / detect --run. See docs/export.md.',
    ],
    flags: FLAGS,
  }),
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const where = 'export';
    const runDir = runDirArg(where, values.run, positionals);
    const outDir = requiredFlag(where, 'out', values.out, 'name the output directory');
    const flagRate = numberFlag(where, 'flag-rate', values['flag-rate'], 0.05, { min: 0 });
    const calibration = renamedValue(where, values, 'calibration-limit', 'calibration-images');
    const calibrationImages = integerFlag(where, 'calibration-limit', calibration, 5000, {
      min: 1,
    });
    await initBackend(values.backend);
    const { metadata } = await exportRun(runDir, outDir, { flagRate, calibrationImages });
    const score = metadata.head === 'lgm' ? 'class log-likelihood' : 'log max softmax';
    console.log(
      `exported ${runDir} to ${outDir}/model.json: ${metadata.head} head, input [${metadata.inputShape.join(',')}], feature ${metadata.featureDim}, ${metadata.numClasses} classes`,
    );
    console.log(
      `unfamiliar threshold: ${score} < ${metadata.threshold.toFixed(4)} (${(100 * flagRate).toFixed(1)}% of ${metadata.calibration.images} clean training images)`,
    );
    return 0;
  },
};
