import { join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  likelihoodMap,
  readRunFeatures,
  readRunMixture,
  runFeaturePlot,
  sideBySide,
  writeFigure,
} from '../viz/index.js';
import type { Figure } from '../viz/index.js';
import { loadRun } from '../train/run.js';
import { rowFeatures, successfulRows } from '../attacks/run.js';
import { readAdversarialMeta, readAdversarialSet } from '../run/adversarial.js';
import { REPRODUCE_ATTACKS } from './attack-stage.js';
import { ReproduceContext, runDirOf } from './context.js';
import { mapVariant, panelVariants } from './experiments.js';

/** At most this many adversarial points per attack on the likelihood map (a readable overlay). */
const MAP_POINTS_PER_ATTACK = 50;

/** Plots per row of the feature panel (eight 2-D MNIST models in one row would be too wide to read). */
const PANEL_COLUMNS = 4;

/** Figures in rows of `columns`, left to right and top to bottom (sideBySide per row, rows stacked). */
export function figureGrid(figures: Figure[], columns: number): Figure {
  const rows: Figure[] = [];
  for (let i = 0; i < figures.length; i += columns) rows.push(sideBySide(figures.slice(i, i + columns)));
  let y = 0;
  const body: string[] = [];
  for (const row of rows) {
    body.push(`<g transform="translate(0,${y})">${row.body.join('')}</g>`);
    y += row.height;
  }
  return { width: Math.max(...rows.map((r) => r.width)), height: y, body };
}

/** Writes <outDir>/feature-panel.{svg,png}: the feature spaces of the panel variants, four to a row. */
export async function writePanel(ctx: ReproduceContext): Promise<string | null> {
  const names = panelVariants(ctx.experiment).filter(
    (n) => ctx.configs.has(n) && ctx.progress.failure(n) === null,
  );
  if (names.length === 0) return null;
  const figures: Figure[] = [];
  for (const [i, name] of names.entries()) {
    figures.push(await runFeaturePlot(runDirOf(ctx, name), `p${i}`, name));
  }
  const figure = figureGrid(figures, PANEL_COLUMNS);
  await writeFigure(figure, join(ctx.outDir, 'feature-panel'));
  return 'feature-panel.png';
}

/**
 * Features of each attack's successful adversarial examples on a run (the first few per attack): those the set
 * stores, or for a set written before sets stored them, computed from its images.
 */
async function adversarialPoints(runDir: string): Promise<number[][]> {
  const points: number[][] = [];
  let run: Awaited<ReturnType<typeof loadRun>> | null = null;
  try {
    for (const attack of REPRODUCE_ATTACKS) {
      if (!existsSync(join(runDir, 'adversarial', `${attack}.json`))) continue;
      let rows = (await readAdversarialMeta(runDir, attack)).features;
      if (rows === undefined) {
        run ??= await loadRun(runDir);
        const { file, inputs } = await readAdversarialSet(runDir, attack);
        try {
          rows = rowFeatures(
            run.classifier,
            inputs,
            successfulRows(file).slice(0, MAP_POINTS_PER_ATTACK),
            256,
          );
        } finally {
          inputs.dispose();
        }
      }
      points.push(...rows.slice(0, MAP_POINTS_PER_ATTACK));
    }
  } finally {
    run?.dispose();
  }
  return points;
}

/**
 * Writes <outDir>/likelihood-map.{svg,png}: the L-GM model's mixture log-likelihood with its clean test
 * features and the features of successful adversarial examples (red crosses).
 */
export async function writeLikelihoodMap(ctx: ReproduceContext): Promise<string | null> {
  const name = mapVariant(ctx.experiment);
  if (!ctx.configs.has(name) || ctx.progress.failure(name) !== null) return null;
  const runDir = runDirOf(ctx, name);
  const features = await readRunFeatures(runDir);
  const mixture = await readRunMixture(runDir, features.dim);
  if (mixture === null) return null;
  const points = await adversarialPoints(runDir);
  const figure = likelihoodMap(features, mixture, points.length > 0 ? points : null, {
    title: `Mixture log-likelihood: ${name} (red: adversarial examples)`,
  });
  await writeFigure(figure, join(ctx.outDir, 'likelihood-map'));
  return 'likelihood-map.png';
}
