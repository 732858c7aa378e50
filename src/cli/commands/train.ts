import { LgmError } from '../../util/errors.js';
import { resolveTrainConfig } from '../../train/config.js';
import { hasConfigFlags, configFromFlags, parseTrainArgv, TRAIN_FLAGS_USAGE } from '../../train/args.js';
import { readRunConfig } from '../../train/run.js';
import { defaultRunDir, runTrainingSession } from '../../train/session.js';
import { disposeModel } from '../../train/model.js';
import type { Command } from '../command.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a network with L-GM or a baseline loss; writes a resumable run directory',
  usage: [
    'Usage: lgm train [options]',
    '       lgm train --resume <runDir> [the same options]',
    '',
    '  --out <dir>               run directory to create (default runs/<date>-<net>-<loss>)',
    '  --resume <dir>            continue a run from its checkpoint (Ctrl-C writes one); with no other',
    '                            options the saved config is used, else the options must equal it',
    '  --backend <name>          wasm | cpu (default wasm, else cpu; or $LGM_BACKEND)',
    '  --quiet                   no progress output',
    '',
    ...TRAIN_FLAGS_USAGE,
  ].join('\n'),
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
    const { result } = await runTrainingSession({
      config,
      runDir,
      resume: resume !== undefined,
      backend: values.backend as string | undefined,
      quiet: values.quiet === true,
    });
    disposeModel(result.model);
    return result.completed ? 0 : 130;
  },
};
