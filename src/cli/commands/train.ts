import { LgmError } from '../../util/errors.js';
import { resolveTrainConfig } from '../../train/config.js';
import { hasConfigFlags, configFromFlags, parseTrainArgv, TRAIN_FLAGS } from '../train-args.js';
import { usageText } from '../flags.js';
import { readRunConfig } from '../../train/run.js';
import { defaultRunDir, runTrainingSession } from '../../train/session.js';
import { disposeModel } from '../../train/model.js';
import type { Command } from '../command.js';
import { parseCheckpointEvery } from '../../train/checkpoint-every.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a network with L-GM or a baseline loss; writes a resumable run directory',
  usage: usageText({
    synopsis: ['lgm train [options]', 'lgm train --resume <dir> [the same options]'],
    flags: TRAIN_FLAGS,
  }),
  async run(argv) {
    const values = parseTrainArgv(argv);
    const resume = values.resume as string | undefined;
    if (resume !== undefined && values.out !== undefined) {
      throw new LgmError(
        'train: --out and --resume exclude each other (a resumed run stays in its directory), got both',
      );
    }
    const config =
      resume !== undefined && !hasConfigFlags(values)
        ? (await readRunConfig(resume)).config
        : resolveTrainConfig(configFromFlags(values));
    const runDir = resume ?? (values.out as string | undefined) ?? defaultRunDir(config);
    const checkpointEvery =
      values['checkpoint-every'] === undefined
        ? undefined
        : parseCheckpointEvery('train', values['checkpoint-every'] as string);
    const { result, exitCode } = await runTrainingSession({
      config,
      runDir,
      resume: resume !== undefined,
      backend: values.backend as string | undefined,
      quiet: values.quiet === true,
      ...(checkpointEvery === undefined ? {} : { checkpointEvery }),
    });
    disposeModel(result.model);
    return exitCode;
  },
};
