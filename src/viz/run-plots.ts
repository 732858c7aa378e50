import { basename, resolve } from 'node:path';
import { LgmError } from '../util/errors.js';
import type { Figure } from './chart.js';
import { featurePlot } from './feature-plot.js';
import { likelihoodMap } from './likelihood-map.js';
import { sideBySide } from './render.js';
import { rocPlot } from './roc.js';
import { readAdversarialFeatures, readAdversarialRows } from '../run/adversarial.js';
import { readDetection } from '../run/detection.js';
import { type RunFeatures, readRunFeatures } from '../run/features.js';
import { readMetrics } from '../run/metrics.js';
import { readRunMixture } from '../run/mixture.js';
import { trainingCurves } from './training-curves.js';

/** The plots `lgm plot` makes from run directories, and the file name (without extension) each gets. */
export const PLOT_KINDS = {
  features: 'feature-space',
  panel: 'feature-panel',
  likelihood: 'likelihood-map',
  roc: 'roc',
  curves: 'training-curves',
} as const;
/** A picture of a run (`lgm plot <kind>`). */
export type PlotKind = keyof typeof PLOT_KINDS;

/** A short name for a run in titles: its directory name. */
export function runName(runDir: string): string {
  return basename(resolve(runDir));
}

/** Feature-space plot of one run (ellipses and means when the run has mixture.json). */
export async function runFeaturePlot(runDir: string, idPrefix = 'fp', title?: string): Promise<Figure> {
  const run = await readRunFeatures(runDir);
  const mixture = await readRunMixture(runDir, run.dim);
  return featurePlot(run, mixture, { title: title ?? `Feature space: ${runName(runDir)}`, idPrefix });
}

/** Side-by-side feature-space plots of several runs (one per loss, say), each titled by its directory. */
export async function runPanel(runDirs: string[]): Promise<Figure> {
  if (runDirs.length < 1) throw new LgmError('plot panel: run directories must be at least one, got none');
  const figures: Figure[] = [];
  for (const [i, dir] of runDirs.entries()) figures.push(await runFeaturePlot(dir, `p${i}`, runName(dir)));
  return sideBySide(figures);
}

/** Likelihood map of an L-GM run, overlaying `adversarialFile`'s features or else those in adversarial/. */
export async function runLikelihoodMap(runDir: string, adversarialFile?: string): Promise<Figure> {
  const run: RunFeatures = await readRunFeatures(runDir);
  const mixture = await readRunMixture(runDir, run.dim);
  if (mixture === null) {
    throw new LgmError(
      `plot likelihood: run directory ${runDir} must contain mixture.json (L-GM runs only), got none`,
    );
  }
  let adversarial: number[][] | null;
  if (adversarialFile === undefined) {
    adversarial = (await readAdversarialFeatures(runDir, run.dim))?.features ?? null;
  } else {
    adversarial = await readAdversarialRows(adversarialFile, run.dim);
    if (adversarial === null) {
      throw new LgmError(
        `plot likelihood: ${adversarialFile} must have a features field ([M][${run.dim}] numbers), got none`,
      );
    }
  }
  return likelihoodMap(run, mixture, adversarial, { title: `Mixture log-likelihood: ${runName(runDir)}` });
}

/** ROC curves from `<runDir>/detection.json`. */
export async function runRoc(runDir: string): Promise<Figure> {
  return rocPlot(await readDetection(runDir), { title: `ROC curves: ${runName(runDir)}` });
}

/** Training curves from `<runDir>/metrics.jsonl`. */
export async function runCurves(runDir: string): Promise<Figure> {
  return trainingCurves(await readMetrics(runDir));
}
