import { describeBackend, initBackend } from '../../backend/index.js';
import { runBlobsExample } from '../../examples/blobs.js';
import type { Command } from '../command.js';
import { numberFlag, parseFlags } from '../flags.js';

export const blobsCommand: Command = {
  name: 'blobs',
  summary: 'train a Gaussian-mixture head on synthetic 2-D blobs; print accuracy and in/out log-likelihood',
  usage: [
    'Usage: lgm blobs [options]',
    '',
    '  --covariance <kind>  identity | isotropic | diagonal (default diagonal)',
    '  --epochs <n>         passes over the training set (default 30)',
    '  --alpha <a>          margin (default 0.3)',
    '  --lambda <l>         likelihood weight (default 0.1)',
    '  --seed <s>           seed of data and initialisation (default 0)',
    '  --backend <name>     TF.js backend (default: wasm, else cpu; or $LGM_BACKEND)',
    '  --json               print the result as JSON',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      strings: ['covariance', 'epochs', 'alpha', 'lambda', 'seed', 'backend'],
      booleans: ['json'],
    });
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
