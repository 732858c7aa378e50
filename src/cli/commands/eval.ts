import { LgmError } from '../../util/errors.js';
import { initBackend } from '../../backend/index.js';
import { loadRun, writeFeatures, writeMixture } from '../../train/run.js';
import { loadTrainData } from '../../train/datasets.js';
import { evaluate } from '../../train/evaluate.js';
import { classStatsText, confusionText } from '../../train/report.js';
import type { Command } from '../command.js';
import { integerFlag, parseFlags } from '../flags.js';
import { checkWritable } from '../../io/atomic.js';
import { join } from 'node:path';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a saved run: test accuracy, confusion matrix, per-class feature statistics',
  usage: [
    'Usage: lgm eval <runDir> [options]',
    '',
    "  --data-dir <dir>     directory of the dataset files (default: the run's)",
    "  --test-limit <n>     evaluate only the first n test images (default: the run's)",
    '  --backend <name>     wasm | cpu (default wasm, else cpu; or $LGM_BACKEND)',
    '  --json               print the evaluation as JSON',
    '',
    'Also (re)writes <runDir>/features.json and, for L-GM runs, mixture.json.',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      strings: ['data-dir', 'test-limit', 'backend'],
      booleans: ['json'],
      positionals: true,
    });
    if (positionals.length !== 1) {
      throw new LgmError(
        `eval: expected one run directory, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    }
    const runDir = positionals[0];
    const testLimit = integerFlag('eval', 'test-limit', values['test-limit'], undefined, { min: 1 });
    const backend = await initBackend(values.backend);
    const run = await loadRun(runDir);
    // eval rewrites features.json (and mixture.json): fail now rather than after evaluating.
    try {
      checkWritable(join(runDir, 'features.json'));
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
      await writeFeatures(runDir, run.model, ev);
      await writeMixture(runDir, run.model);
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
