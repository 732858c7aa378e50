import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend/index.js';
import {
  ATTACK_NAMES,
  AttackName,
  attackOptions,
  runNamedAttack,
  writeAdversarialSet,
} from '../../attacks/index.js';
import { loadInputs, pixelClassifier } from '../../detect/input-sets.js';
import { RunSource, openRunSource } from '../../export/run-source.js';
import type { Command } from '../command.js';
import { SEED_RANGE, integerFlag, listFlag, numberFlag, parseFlags, requiredFlag } from '../flags.js';
import { withRunLock } from '../../io/run-lock.js';
import { checkWritable } from '../../io/atomic.js';
import { writing } from '../../io/fs-errors.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Classifier } from '../../nets/classifier.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Features of the successful adversarial examples, in batches (the likelihood map overlays them). */
function successfulFeatures(
  classifier: Classifier,
  adversarial: tf.Tensor,
  success: boolean[],
  batchSize: number,
): number[][] {
  const rows = success.flatMap((ok, i) => (ok ? [i] : []));
  const out: number[][] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    out.push(
      ...tf.tidy(() => classifier.features(tf.gather(adversarial, tf.tensor1d(batch, 'int32'))).arraySync()),
    );
  }
  return out;
}

export const attackCommand: Command = {
  name: 'attack',
  summary: 'attack a trained run on its test set; writes <run>/adversarial/<attack>.json + .f32',
  usage: [
    'Usage: lgm attack --run <dir> [options]',
    '',
    "Attacks the first --limit test images of the run's dataset in pixel space ([0, 1], normalised for the model",
    'as lgm train does) and writes each adversarial',
    'set to <out>/adversarial/<attack>.json (per-example success, norms) and <attack>.f32 (float32 inputs).',
    '',
    '  --run <dir>          run directory (lgm train), export directory (lgm export) or pretrained:<name>',
    '  --out <dir>          output directory (default: the run directory; runs/pretrained-<name> for a',
    '                       pretrained model)',
    `  --attacks <list>     comma-separated, among ${ATTACK_NAMES.join(', ')} (default fgsm,bim)`,
    '  --epsilon <e>        L-inf budget of fgsm, bim, pgd (default 0.3)',
    '  --epsilon-l2 <e>     L2 budget of pgd-l2 (default 3)',
    '  --steps <n>          steps of bim/pgd (default 10); deepfool iterations and cw Adam steps are at least 50/100',
    '  --limit <n>          number of test images attacked (default 1000)',
    '  --batch-size <n>     examples attacked at once (default 100)',
    '  --seed <s>           seed of random starts (default 0)',
    "  --data-dir <dir>     directory of the dataset files (default: the run config's, else the loader's)",
    '  --backend <name>     TF.js backend (default: wasm, else cpu; or $LGM_BACKEND)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      strings: [
        'run',
        'out',
        'attacks',
        'epsilon',
        'epsilon-l2',
        'steps',
        'limit',
        'batch-size',
        'seed',
        'data-dir',
        'backend',
      ],
    });
    const where = 'attack';
    const runDir = requiredFlag(where, 'run', values.run, 'name a run directory');
    const attacks = listFlag<AttackName>(where, 'attacks', values.attacks ?? 'fgsm,bim', ATTACK_NAMES);
    const settings = {
      epsilon: numberFlag(where, 'epsilon', values.epsilon, 0.3, { min: 0 }),
      epsilonL2: numberFlag(where, 'epsilon-l2', values['epsilon-l2'], 3, { min: 0 }),
      steps: integerFlag(where, 'steps', values.steps, 10, { min: 1 }),
      seed: integerFlag(where, 'seed', values.seed, 0, SEED_RANGE),
      batchSize: integerFlag(where, 'batch-size', values['batch-size'], 100, { min: 1 }),
      clipMin: 0,
      clipMax: 1,
    };
    const limit = integerFlag(where, 'limit', values.limit, 1000, { min: 1 });
    const backend = await initBackend(values.backend);
    const source = await openRunSource(where, runDir, values.out);
    try {
      return await withRunLock(where, source.outDir, {}, () =>
        attackRun(source, backend, attacks, settings, limit, values),
      );
    } finally {
      source.run.dispose();
    }
  },
};

/** The body of lgm attack, with the output directory locked (the caller disposes the source's run). */
async function attackRun(
  source: RunSource,
  backend: string,
  attacks: AttackName[],
  settings: Parameters<typeof attackOptions>[1],
  limit: number,
  values: { 'data-dir'?: string },
): Promise<number> {
  const run = source.run;
  const runDir = source.outDir;
  {
    // The sets go to <run>/adversarial: fail now if they cannot be written, not after the attacks.
    const adversarialDir = join(runDir, 'adversarial');
    await writing(adversarialDir, () => mkdir(adversarialDir, { recursive: true }));
    checkWritable(join(adversarialDir, `${attacks[0]}.json`));
    const dataset = { ...run.config.dataset, dataDir: values['data-dir'] ?? run.config.dataset.dataDir };
    // Attack in pixel space: the model's input normalisation becomes part of the attacked function.
    const classifier = pixelClassifier(run.classifier, await source.normalization(dataset.dataDir));
    const data = await loadInputs(dataset.name, { split: 'test', limit, dataDir: dataset.dataDir });
    console.log(
      `lgm attack: ${data.indices.length} test images of ${run.config.dataset.name}, backend ${backend}`,
    );
    console.log('attack     success  cleanAcc  advAcc   meanL2  meanLinf  seconds');
    try {
      const labels = Array.from(data.y.dataSync());
      for (const name of attacks) {
        const options = attackOptions(name, settings);
        const started = Date.now();
        const result = runNamedAttack(name, classifier, data.x, data.y, options);
        const seconds = (Date.now() - started) / 1000;
        try {
          await writeAdversarialSet(runDir, name, result, {
            attack: name,
            options,
            indices: data.indices,
            labels,
            features: successfulFeatures(classifier, result.adversarial, result.success, settings.batchSize),
          });
        } finally {
          result.adversarial.dispose();
        }
        const cleanAcc = mean(result.originalCorrect.map(Number));
        const advAcc = 1 - mean(result.success.map(Number));
        const rate =
          result.successRate === null ? '     -' : (100 * result.successRate).toFixed(1).padStart(6);
        console.log(
          `${name.padEnd(9)} ${rate}%  ${(100 * cleanAcc).toFixed(1).padStart(7)}%  ${(100 * advAcc).toFixed(1).padStart(5)}%` +
            `  ${mean(result.l2).toFixed(3).padStart(7)}  ${mean(result.linf).toFixed(3).padStart(8)}  ${seconds.toFixed(1).padStart(7)}`,
        );
      }
    } finally {
      tf.dispose([data.x, data.y]);
    }
  }
  return 0;
}
