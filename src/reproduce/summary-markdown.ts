import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { writeJsonFile } from '../run/json-file.js';
import type { ModelSummary, ReproductionSummary } from './summary.js';

/** Mean and sample standard deviation of the non-null values, or null when there are none. */
export function meanAndSpread(
  values: readonly (number | null)[],
): { mean: number; sd: number; n: number } | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, n: xs.length };
}

/**
 * `mean ± sd`, `mean` for one seed, or `-`; with `counted`, the number of seeds after it (`(3)`, `(1 seed)`),
 * which the headline tables leave out as they give the seeds in their own column.
 */
function cell(values: readonly (number | null)[], digits: number, counted = true): string {
  const s = meanAndSpread(values);
  if (s === null) return '-';
  const text = s.n < 2 ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
  if (!counted) return text;
  return `${text} ${s.n < 2 ? '(1 seed)' : `(${s.n})`}`;
}

/** The headline tables' cell: one decimal, no count. */
const shortCell = (values: readonly (number | null)[]) => cell(values, 1, false);

const ATTACK_TITLES: Record<string, string> = { fgsm: 'FGSM', bim: 'BIM', deepfool: 'DeepFool', cw: 'C&W' };

/**
 * The detectors of the headline table, in order, with their names for readers: the L-GM likelihoods, the
 * logit scores, and the two density estimates fitted on the same features. The other detectors are in the
 * per-model tables. On an L-GM model energy is left out: the log-sum-exp of its logits (eq. 3 without the
 * margin) is the mixture log-likelihood plus a constant, so it repeats the mixture row.
 */
const HEADLINE_DETECTORS: [string, string][] = [
  ['lgm-class', 'L-GM class likelihood'],
  ['lgm-mixture', 'L-GM mixture likelihood'],
  ['msp', 'max softmax'],
  ['energy', 'energy'],
  ['mahalanobis', 'Mahalanobis'],
  ['kde-h1.5', 'KDE (bandwidth 1.5)'],
];

/** The attacks (from `<attack>-all` sets) and the OOD sets of the models' detection tables, in table order. */
function columnsOf(models: readonly ModelSummary[]): { attacks: string[]; ood: string[] } {
  const sets = [
    ...new Set(models.flatMap((m) => Object.values(m.detection).flatMap((bySet) => Object.keys(bySet)))),
  ];
  const attacks = sets.filter((s) => s.endsWith('-all')).map((s) => s.slice(0, -'-all'.length));
  const ood = sets.filter((s) => !s.endsWith('-all') && !s.endsWith('-successful'));
  return { attacks, ood };
}

/** `all / successful`, or one number where both read the same. */
function adversarialCell(bySet: Record<string, (number | null)[]>, attack: string): string {
  const all = shortCell(bySet[`${attack}-all`] ?? []);
  const successful = shortCell(bySet[`${attack}-successful`] ?? []);
  return all === successful || successful === '-' ? all : `${all} / ${successful}`;
}

/**
 * The headline tables: attack success per model, and the AUROC of the main detectors on every model that has
 * them (what the README quotes), mean ± sd over the seeds listed in the row.
 */
function headline(summary: ReproductionSummary): string[] {
  const models = summary.models.filter((m) => Object.keys(m.detection).length > 0);
  if (models.length === 0) return [];
  const lines: string[] = [];
  const attacks = [...new Set(models.flatMap((m) => Object.keys(m.attackSuccess ?? {})))];
  if (attacks.length > 0) {
    lines.push(
      '',
      '## Attack success %',
      '',
      'The share of the correctly classified attacked test images that each attack flipped.',
      '',
      `| model | seeds | ${attacks.map((a) => ATTACK_TITLES[a] ?? a).join(' | ')} |`,
      `| --- | --- |${' --- |'.repeat(attacks.length)}`,
    );
    for (const m of models) {
      const cells = attacks.map((a) => shortCell(m.attackSuccess?.[a] ?? []));
      lines.push(`| ${m.name} | ${m.seeds.join(', ')} | ${cells.join(' | ')} |`);
    }
  }
  const { attacks: advSets, ood } = columnsOf(models);
  lines.push(
    '',
    '## Headline: detection AUROC %',
    '',
    'Adversarial columns: `-all` / `-successful` (one number where both read the same); then the OOD sets.',
    '',
    `| model | seeds | detector | ${[...advSets.map((a) => ATTACK_TITLES[a] ?? a), ...ood].join(' | ')} |`,
    `| --- | --- | --- |${' --- |'.repeat(advSets.length + ood.length)}`,
  );
  for (const m of models) {
    for (const [detector, title] of HEADLINE_DETECTORS) {
      const bySet = m.detection[detector];
      if (bySet === undefined || (detector === 'energy' && 'lgm-mixture' in m.detection)) continue;
      const cells = [
        ...advSets.map((a) => adversarialCell(bySet, a)),
        ...ood.map((s) => shortCell(bySet[s] ?? [])),
      ];
      lines.push(`| ${m.name} | ${m.seeds.join(', ')} | ${title} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}

/**
 * The summary as markdown: test error, attack success and the headline detectors, then one AUROC table per
 * model with every detector (mean ± sd over seeds, and n).
 */
export function summaryMarkdown(summary: ReproductionSummary): string {
  const lines = [
    `# Summary: ${summary.experiment}, budget ${summary.budget}`,
    '',
    'Mean ± sample standard deviation over seeds, in percent. Adversarial sets:',
    '`<attack>-all` = the adversarial versions of the correctly classified attacked test images, whether or not',
    'the attack flipped them; `<attack>-successful` = only the flipped ones; both against those same clean images.',
    'OOD sets against the clean test images. Machine-readable: summary.json.',
    '',
    '## Test error %',
    '',
    '| model | feature | loss | seeds | test error % |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of summary.models) {
    lines.push(
      `| ${m.name} | ${m.featureDim} | ${m.description} | ${m.seeds.join(', ')} | ${cell(m.testError, 2)} |`,
    );
  }
  lines.push(...headline(summary));
  for (const m of summary.models) {
    const detectors = Object.keys(m.detection);
    if (detectors.length === 0) continue;
    const sets = [...new Set(detectors.flatMap((d) => Object.keys(m.detection[d])))];
    lines.push(
      '',
      `## ${m.name}: AUROC % (number of seeds in brackets)`,
      '',
      `| detector | ${sets.join(' | ')} |`,
      `| --- |${' --- |'.repeat(sets.length)}`,
    );
    for (const d of detectors) {
      lines.push(`| ${d} | ${sets.map((s) => cell(m.detection[d][s] ?? [], 1)).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes <outDir>/summary.json and summary.md. */
export async function writeSummaryFiles(outDir: string, summary: ReproductionSummary): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeJsonFile(join(outDir, 'summary.json'), summary);
  await writeFileAtomicAsync(join(outDir, 'summary.md'), summaryMarkdown(summary));
}
