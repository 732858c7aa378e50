import { initBackend } from '../../backend/index.js';
import { writeFeatures, writeMixture } from '../../train/run.js';
import { openRunSource } from '../../export/run-source.js';
import { loadTrainData } from '../../train/datasets.js';
import { evaluate } from '../../train/evaluate.js';
import { classStatsText, confusionText } from '../../train/report.js';
import type { Command } from '../command.js';
import {
  BACKEND_FLAG,
  type FlagDef,
  RUN_FLAG,
  integerFlag,
  parseFlagTable,
  runDirArg,
  usageText,
} from '../flags.js';
import { checkWritable } from '../../io/atomic.js';
import { join } from 'node:path';

const FLAGS = [
  RUN_FLAG,
  {
    name: 'out',
    value: '<dir>',
    help: [
      'where features.json and mixture.json go (default: the run directory;',
      'runs/pretrained-<name> for a pretrained model)',
    ],
  },
  { name: 'data-dir', value: '<dir>', help: "directory of the dataset files (default: the run's)" },
  { name: 'test-limit', value: '<n>', help: "evaluate only the first n test images (default: the run's)" },
  BACKEND_FLAG,
  { name: 'json', help: 'print the evaluation as JSON' },
] as const satisfies readonly FlagDef[];

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a saved run: test accuracy, confusion matrix, per-class feature statistics',
  usage: usageText({
    synopsis: ['lgm eval --run <dir> [options]'],
    flags: FLAGS,
    notes: ['Also (re)writes features.json and, for L-GM runs, mixture.json in the output directory.'],
  }),
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const runDir = runDirArg('eval', values.run, positionals);
    const testLimit = integerFlag('eval', 'test-limit', values['test-limit'], undefined, { min: 1 });
    const backend = await initBackend(values.backend);
    const source = await openRunSource('eval', runDir, values.out, values['data-dir']);
    const run = source.run;
    // eval rewrites features.json (and mixture.json): fail now rather than after evaluating.
    try {
      checkWritable(join(source.outDir, 'features.json'));
    } catch (error) {
      run.dispose();
      throw error;
    }
    try {
      const dataset = {
        ...run.config.dataset,
        dataDir: values['data-dir'] ?? run.config.dataset.dataDir,
        testLimit: testLimit ?? run.config.dataset.testLimit,
      };
      const data = await loadTrainData(dataset, {
        batchSize: run.config.batchSize,
        evalBatchSize: run.config.evalBatchSize,
        seed: run.config.seed,
      });
      const ev = await evaluate(run.model, data.test);
      await writeFeatures(source.outDir, run.model, ev);
      await writeMixture(source.outDir, run.model);
      if (values.json === true) {
        const { labels: _l, predictions: _p, features: _f, ...summary } = ev;
        console.log(JSON.stringify({ runDir, backend, ...summary }));
        return 0;
      }
      const { net, loss } = run.config;
      console.log(
        `run ${runDir}: ${net.name} (feature ${run.model.featureDim}) + ${loss.name}, after epoch ${String(run.state.epoch)}`,
      );
      console.log(
        `test accuracy: ${(100 * ev.accuracy).toFixed(2)}% (${ev.count} images), test loss ${ev.loss.toFixed(4)}`,
      );
      console.log('\nconfusion matrix (rows: true class, columns: predicted class):');
      for (const line of confusionText(ev.confusion)) console.log(line);
      console.log('\nper-class feature statistics:');
      for (const line of classStatsText(ev)) console.log(line);
      return 0;
    } finally {
      run.dispose();
    }
  },
};
