import { describeBackend, initBackend } from '../../backend/index.js';
import { runBlobsExample } from '../../examples/blobs.js';
import type { Command } from '../command.js';
import { COVARIANCE_KINDS } from '../../gm/params.js';
import { BACKEND_FLAG, type FlagDef, numberFlag, parseFlagTable, usageText } from '../flags.js';

const FLAGS = [
  { name: 'covariance', value: '<kind>', help: `${COVARIANCE_KINDS.join(' | ')} (default diagonal)` },
  { name: 'epochs', value: '<n>', help: 'passes over the training set (default 30)' },
  { name: 'alpha', value: '<a>', help: 'margin (default 0.3)' },
  { name: 'lambda', value: '<l>', help: 'likelihood weight (default 0.1)' },
  { name: 'seed', value: '<s>', help: 'seed of data and initialisation (default 0)' },
  BACKEND_FLAG,
  { name: 'json', help: 'print the result as JSON' },
] as const satisfies readonly FlagDef[];

export const blobsCommand: Command = {
  name: 'blobs',
  summary: 'train a Gaussian-mixture head on synthetic 2-D blobs; print accuracy and in/out log-likelihood',
  usage: usageText({ synopsis: ['lgm blobs [options]'], flags: FLAGS }),
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    // Ranges are checked by runBlobsExample; here only that each value is a number.
    const num = (flag: 'epochs' | 'alpha' | 'lambda' | 'seed') =>
      numberFlag('blobs', flag, values[flag], undefined);
    const backend = await initBackend(values.backend);
    const started = Date.now();
    const result = await runBlobsExample({
      covariance: values.covariance as never,
      epochs: num('epochs'),
      alpha: num('alpha'),
      lambda: num('lambda'),
      seed: num('seed'),
    });
    const seconds = (Date.now() - started) / 1000;
    if (values.json === true) {
      console.log(JSON.stringify({ backend, seconds, ...result }));
      return 0;
    }
    console.log(describeBackend());
    console.log(`test accuracy: ${(100 * result.accuracy).toFixed(2)}%`);
    console.log(
      `mean log-likelihood, in-distribution test points: ${result.inDistributionLogLikelihood.toFixed(3)}`,
    );
    console.log(
      `mean log-likelihood, out-of-distribution noise:   ${result.outOfDistributionLogLikelihood.toFixed(3)}`,
    );
    console.log(`(${seconds.toFixed(1)} s)`);
    return 0;
  },
};
