import { join } from 'node:path';
import { initBackend } from '../../backend/index.js';
import { LgmError } from '../../util/errors.js';
import { choiceOption } from '../../util/options.js';
import type { Figure } from '../../viz/chart.js';
import { FIGURE_FORMATS, writeFigure } from '../../viz/render.js';
import { writeReport } from '../../viz/report.js';
import {
  PLOT_KINDS,
  PlotKind,
  runCurves,
  runFeaturePlot,
  runLikelihoodMap,
  runPanel,
  runRoc,
} from '../../viz/run-plots.js';
import type { Command } from '../command.js';
import { BACKEND_FLAG, type FlagDef, RUN_FLAG, choiceFlag, parseFlagTable, usageText } from '../flags.js';

const KINDS = [...(Object.keys(PLOT_KINDS) as PlotKind[]), 'report'] as const;

const FLAGS = [
  {
    ...RUN_FLAG,
    section: 'Options:',
    multiple: true,
    help: [
      'run directory; panel takes several (--run a --run b); directories given after the kind',
      'without --run (lgm plot features runs/x) are read as --run',
    ],
  },
  {
    name: 'out',
    value: '<path>',
    help: 'output path without extension (default: in the run directory, named as above)',
  },
  { name: 'format', value: '<f>', help: 'svg, png or both (default both; report: png or both)' },
  {
    name: 'adversarial',
    value: '<file>',
    help: [
      'likelihood: JSON file with "features": [M][D] to overlay',
      '(default: every adversarial/*.json in the run directory that has "features")',
    ],
  },
  {
    ...BACKEND_FLAG,
    help: 'TF.js backend for the likelihood map: wasm or cpu (default $LGM_BACKEND, else wasm)',
  },
] as const satisfies readonly FlagDef[];

const usage = usageText({
  synopsis: ['lgm plot <kind> --run <dir> [--run <dir>... for panel] [options]'],
  about: [
    'Kinds (SVG is the source; PNG is rendered from it):',
    '  features    feature space coloured by class, 1/2-sigma ellipses and means (L-GM runs), PCA when D > 2',
    '              -> <run>/feature-space.{svg,png}',
    '  panel       feature-space plots of several runs side by side (needs --out)',
    '  likelihood  heat map of the mixture log-likelihood with clean and adversarial points (L-GM runs)',
    '              -> <run>/likelihood-map.{svg,png}',
    '  roc         ROC curves from detection.json -> <run>/roc.{svg,png}',
    '  curves      training curves from metrics.jsonl -> <run>/training-curves.{svg,png}',
    '  report      all of the above the run has, embedded in <run>/report.md',
  ],
  flags: FLAGS,
});

async function figureFor(kind: PlotKind, runDirs: string[], adversarial?: string): Promise<Figure> {
  const [runDir] = runDirs;
  if (kind === 'panel') return runPanel(runDirs);
  if (runDirs.length !== 1) {
    throw new LgmError(`plot ${kind}: run directories must be exactly one, got ${runDirs.length}`);
  }
  if (kind === 'features') return runFeaturePlot(runDir);
  if (kind === 'likelihood') return runLikelihoodMap(runDir, adversarial);
  if (kind === 'roc') return runRoc(runDir);
  return runCurves(runDir);
}

export const plotCommand: Command = {
  name: 'plot',
  summary: 'pictures of a run: feature space, likelihood map, ROC, training curves, report.md',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlagTable(argv, FLAGS, { positionals: true });
    const [kindArg, ...more] = positionals;
    const runDirs = [...(values.run ?? []), ...more];
    const kind = choiceOption('plot', 'kind', kindArg, KINDS);
    if (runDirs.length < 1) throw new LgmError(`plot ${kind}: --run must name a run directory, got nothing`);
    if (values.adversarial !== undefined && kind !== 'likelihood') {
      throw new LgmError(
        `plot ${kind}: --adversarial must only be given with kind likelihood, got it with ${kind}`,
      );
    }
    // Only the likelihood map (alone or in a report) evaluates the mixture with TF.js.
    if (kind === 'likelihood' || kind === 'report') await initBackend(values.backend);
    if (kind === 'report') {
      if (runDirs.length !== 1 || values.out !== undefined) {
        throw new LgmError('plot report: exactly one run directory and no --out must be given, got more');
      }
      const format = choiceFlag('plot report', 'format', values.format, ['png', 'both'] as const, 'both');
      const result = await writeReport(runDirs[0], { format });
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    const format = choiceFlag(`plot ${kind}`, 'format', values.format, FIGURE_FORMATS, 'both');
    if (kind === 'panel' && values.out === undefined) {
      throw new LgmError(
        'plot panel: --out must be given (the panel spans several run directories), got none',
      );
    }
    const base = values.out ?? join(runDirs[0], PLOT_KINDS[kind]);
    const written = await writeFigure(await figureFor(kind, runDirs, values.adversarial), base, { format });
    for (const file of written) console.log(file);
    return 0;
  },
};
