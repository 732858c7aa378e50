import { writeFileAtomicAsync } from '../io/atomic.js';
import { basename, join } from 'node:path';
import { checkKnownKeys, choiceOption } from '../util/options.js';
import type { Figure } from './chart.js';
import { writeFigure } from './render.js';
import {
  PLOT_KINDS,
  PlotKind,
  runCurves,
  runFeaturePlot,
  runLikelihoodMap,
  runName,
  runRoc,
} from './run-plots.js';
import { type Detection, readDetection } from '../run/detection.js';
import { type RunFeatures, readRunFeatures } from '../run/features.js';
import { isMissingFile, objectOf, readJsonFile } from '../run/json-file.js';
import { CONFIG_FILE } from '../run/layout.js';
import { readMetrics } from '../run/metrics.js';
import { readRunMixture } from '../run/mixture.js';

/** What happened to one part of the report. */
export interface ReportPart {
  part: string;
  /** 'written' with its PNG (relative to the run directory), or 'skipped' with why. */
  status: 'written' | 'skipped';
  file?: string;
  reason?: string;
}

/** Result of `writeReport`. */
export interface ReportResult {
  /** Path of report.md. */
  report: string;
  parts: ReportPart[];
}

/** Options of `writeReport`. */
export interface ReportOptions {
  /** Which picture files to write next to report.md: 'both' (SVG + PNG, default) or 'png'. */
  format?: 'both' | 'png';
  /** Lines for a "Notes" section at the top (e.g. the demo saying it ran a shorter budget). Default none. */
  notes?: string[];
}

/** A part left out because a file it needs is absent (a class, so it cannot be mistaken for file content). */
class Skipped implements ReportPart {
  readonly status = 'skipped' as const;
  constructor(
    readonly part: string,
    readonly reason: string,
  ) {}
}

/** A part is skipped (not an error) when the file it needs is absent; any other problem is raised. */
async function optional<T>(part: string, make: () => Promise<T>): Promise<T | Skipped> {
  try {
    return await make();
  } catch (err) {
    if (!isMissingFile(err)) throw err;
    return new Skipped(part, `no ${basename(err.file)}`);
  }
}

function isPart(x: unknown): x is Skipped {
  return x instanceof Skipped;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function fixed(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '-';
}

/** The detection table in Markdown. */
export function detectionTable(detection: Detection): string[] {
  const withAsr = detection.rows.some((r) => typeof r.attackSuccessRate === 'number');
  const head = ['detector', 'input set', 'AUROC', 'AUPR-in', 'AUPR-out', 'FPR@95%TPR', 'detection acc.'];
  if (withAsr) head.push('attack success');
  const rows = detection.rows.map((r) => {
    const cells = [r.detector, r.inputSet, r.auroc, r.auprIn, r.auprOut, r.fpr95, r.detectionAccuracy].map(
      (c) => (typeof c === 'string' ? c.replace(/\|/g, '\\|') : fixed(c)),
    );
    if (withAsr) cells.push(fixed(r.attackSuccessRate));
    return `| ${cells.join(' | ')} |`;
  });
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows];
}

/** Accuracy lines: test accuracy recomputed from features.json, and the last epoch's record if any. */
async function accuracyLines(runDir: string, run: RunFeatures): Promise<string[]> {
  const correct = run.labels.filter((label, i) => label === run.predictions[i]).length;
  const lines = [
    `- Test accuracy (features.json): **${pct(correct / run.labels.length)}** ` +
      `(${correct} of ${run.labels.length}; ${run.numClasses} classes, ${run.dim}-D features)`,
  ];
  const metrics = await optional('training curves', () => readMetrics(runDir));
  const last = isPart(metrics) ? undefined : metrics.filter((r) => r.type === 'epoch').at(-1);
  if (last !== undefined) {
    lines.push(
      `- Last epoch (metrics.jsonl): epoch ${String(last.epoch)}, train accuracy ${fixed(last.trainAccuracy)}, ` +
        `test accuracy ${fixed(last.testAccuracy)}`,
    );
  }
  return lines;
}

/** Writes a figure's files and returns the part entry with the PNG's name. */
async function figurePart(
  runDir: string,
  part: string,
  name: string,
  format: 'both' | 'png',
  make: () => Promise<Figure>,
): Promise<ReportPart> {
  const figure = await optional(part, make);
  if (isPart(figure)) return figure;
  await writeFigure(figure, join(runDir, name), { format });
  return { part, status: 'written', file: `${name}.png` };
}

/** A "Configuration" section: config.json's top-level scalar fields and its loss (none without config.json). */
async function configLines(runDir: string): Promise<string[]> {
  const file = join(runDir, CONFIG_FILE);
  const json = await optional('configuration', () => readJsonFile(file, 'writeReport'));
  if (isPart(json)) return [];
  const config = objectOf('writeReport', file, json);
  const fields = Object.entries(config)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`);
  const loss = config.loss;
  if (loss !== null && typeof loss === 'object') fields.push(`loss: ${JSON.stringify(loss)}`);
  return fields.length > 0 ? ['## Configuration', '', ...fields.map((f) => `- ${f}`), ''] : [];
}

/**
 * Writes `<runDir>/report.md` with the pictures it can make: accuracy, the detection table and ROC curves,
 * the feature-space plot, the likelihood map (L-GM runs) and the training curves, each embedded as a PNG
 * next to report.md. Parts whose input files are absent (no detection.json yet, no mixture.json for a
 * softmax run) are skipped and listed at the end of the report and in the result; malformed files throw.
 */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  checkKnownKeys('writeReport', options, ['format', 'notes']);
  const format = choiceOption(
    'writeReport',
    'options.format',
    options.format,
    ['both', 'png'] as const,
    'both',
  );
  // A run directory must at least have features: a report without the feature space is not worth writing.
  const run = await readRunFeatures(runDir);
  const parts: ReportPart[] = [{ part: 'accuracy', status: 'written', file: 'report.md' }];
  const md: string[] = [`# Run report: ${runName(runDir)}`, ''];
  const notes = options.notes ?? [];
  if (notes.length > 0) md.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  md.push(...(await configLines(runDir)));
  md.push('## Accuracy', '', ...(await accuracyLines(runDir, run)), '');
  const embed = (title: string, part: ReportPart) => {
    parts.push(part);
    if (part.status === 'written') md.push(`### ${title}`, '', `![${title}](${part.file})`, '');
  };
  const figure = (part: string, kind: PlotKind, make: () => Promise<Figure>) =>
    figurePart(runDir, part, PLOT_KINDS[kind], format, make);

  const detection = await optional('detection table', () => readDetection(runDir));
  if (isPart(detection)) {
    parts.push(detection, new Skipped('ROC curves', 'no detection.json'));
  } else {
    parts.push({ part: 'detection table', status: 'written', file: 'report.md' });
    md.push('## Detection', '', ...detectionTable(detection), '');
    embed(
      'ROC curves',
      detection.curves.length > 0
        ? await figure('ROC curves', 'roc', () => runRoc(runDir))
        : new Skipped('ROC curves', 'detection.json has no curves'),
    );
  }
  md.push('## Pictures', '');
  embed('Feature space', await figure('feature space', 'features', () => runFeaturePlot(runDir)));
  const mixture = await readRunMixture(runDir, run.dim);
  embed(
    'Likelihood map',
    mixture === null
      ? new Skipped('likelihood map', 'no mixture.json (not an L-GM run)')
      : await figure('likelihood map', 'likelihood', () => runLikelihoodMap(runDir)),
  );
  embed('Training curves', await figure('training curves', 'curves', () => runCurves(runDir)));

  const skipped = parts.filter((p) => p.status === 'skipped');
  if (skipped.length > 0)
    md.push('## Skipped', '', ...skipped.map((p) => `- ${p.part}: ${p.reason ?? ''}`), '');
  const report = join(runDir, 'report.md');
  await writeFileAtomicAsync(report, md.join('\n'));
  return { report, parts };
}
