import { writeFileAtomicAsync } from '../../io/atomic.js';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend/index.js';
import {
  DETECTOR_NAMES,
  Detector,
  DetectorName,
  InputSet,
  NOISE_SETS,
  adversarialInputSet,
  batchedFeatures,
  createDetector,
  detectorNamesFor,
  evaluateDetectors,
  formatDetectionTable,
  loadInputs,
  noiseInputs,
  pixelClassifier,
  mixtureFit,
} from '../../detect/index.js';
import { RunSource, openRunSource } from '../../export/run-source.js';
import type { Classifier } from '../../nets/classifier.js';
import { LgmError } from '../../util/errors.js';
import type { Command } from '../command.js';
import { SEED_RANGE, integerFlag, listFlag, parseFlags, requiredFlag, splitList } from '../flags.js';
import { withRunLock } from '../../io/run-lock.js';
import { checkWritable } from '../../io/atomic.js';
import { checkFileName } from '../../io/paths.js';

/** Names of the adversarial sets present in <run>/adversarial. */
async function adversarialNames(runDir: string): Promise<string[]> {
  const dir = join(runDir, 'adversarial');
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const usage = [
  'Usage: lgm detect --run <dir> [options]',
  '',
  'Fits each detector on features of the first --fit-limit training images, then scores the first --limit clean',
  'test images against each input set (successful adversarial examples of lgm attack, and OOD sets). Prints one',
  'table (detector x input set: AUROC, AUPR-in, AUPR-out, FPR at 95% TPR, detection accuracy, attack success',
  'rate) and writes it with ROC curves to <out>/detection.json. See docs/detection.md.',
  '',
  '  --run <dir>          run directory (lgm train), export directory (lgm export) or pretrained:<name>',
  '  --out <dir>          where adversarial sets are read and detection.json written (default: the run',
  '                       directory; runs/pretrained-<name> for a pretrained model)',
  `  --detectors <list>   among ${DETECTOR_NAMES.join(', ')} (default: all; lgm-* only for L-GM runs)`,
  '  --adversarial <list> adversarial sets of <out>/adversarial, or none (default: every set there)',
  `  --ood <list>         among fashion-mnist, ${NOISE_SETS.join(', ')}, a dataset name, idx:<dir>, or none`,
  '                       (default: fashion-mnist (MNIST runs, skipped with a note when absent), gaussian, uniform)',
  '  --limit <n>          clean test images and images per OOD set (default 1000)',
  '  --fit-limit <n>      training images the detectors are fitted on (default 5000)',
  '  --batch-size <n>     batch size of feature extraction (default 256)',
  '  --seed <s>           seed of the noise sets (default 0)',
  "  --data-dir <dir>     directory of the run dataset's files (default: the run config's, else the loader's)",
  '  --backend <name>     TF.js backend (default: wasm, else cpu; or $LGM_BACKEND)',
].join('\n');

interface OodSpec {
  name: string;
  /** Default sets that are not installed are skipped with a note; requested ones must load. */
  optional: boolean;
}

function oodSpecs(value: string | undefined, dataset: string): OodSpec[] {
  if (value === 'none') return [];
  if (value !== undefined) return splitList(value).map((name) => ({ name, optional: false }));
  const specs = NOISE_SETS.map((name) => ({ name, optional: false }));
  return dataset === 'mnist' ? [{ name: 'fashion-mnist', optional: true }, ...specs] : specs;
}

async function oodSet(spec: OodSpec, classifier: Classifier, limit: number, seed: number, batchSize: number) {
  let inputs: tf.Tensor;
  if ((NOISE_SETS as readonly string[]).includes(spec.name)) {
    inputs = noiseInputs(spec.name as (typeof NOISE_SETS)[number], limit, classifier.inputShape, seed);
  } else {
    try {
      const loaded = await loadInputs(spec.name, { split: 'test', limit });
      loaded.y.dispose();
      inputs = loaded.x;
    } catch (error) {
      if (!spec.optional) throw error;
      console.log(`note: OOD set ${spec.name} skipped: ${(error as Error).message}`);
      return null;
    }
  }
  const shape = inputs.shape.slice(1).join(',');
  if (shape !== classifier.inputShape.join(',')) {
    inputs.dispose();
    throw new LgmError(
      `detect: OOD set ${spec.name} must have images of shape [${classifier.inputShape.join(',')}], got [${shape}]`,
    );
  }
  try {
    return { name: spec.name, features: batchedFeatures(classifier, inputs, batchSize) };
  } finally {
    inputs.dispose();
  }
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'score clean vs adversarial and OOD inputs with every detector; writes <run>/detection.json',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      strings: [
        'run',
        'out',
        'detectors',
        'adversarial',
        'ood',
        'limit',
        'fit-limit',
        'batch-size',
        'seed',
        'data-dir',
        'backend',
      ],
    });
    const where = 'detect';
    const runDir = requiredFlag(where, 'run', values.run, 'name a run directory');
    const limit = integerFlag(where, 'limit', values.limit, 1000, { min: 1 });
    const fitLimit = integerFlag(where, 'fit-limit', values['fit-limit'], 5000, { min: 1 });
    const batchSize = integerFlag(where, 'batch-size', values['batch-size'], 256, { min: 1 });
    const seed = integerFlag(where, 'seed', values.seed, 0, SEED_RANGE);
    const requested =
      values.detectors === undefined ? null : listFlag(where, 'detectors', values.detectors, DETECTOR_NAMES);
    const advNames =
      values.adversarial === undefined || values.adversarial === 'none'
        ? undefined
        : splitList(values.adversarial).map((n) => checkFileName(where, n, '--adversarial entries'));
    const options = { limit, fitLimit, batchSize, seed, requested, advNames };
    await initBackend(values.backend);
    const source = await openRunSource(where, runDir, values.out);
    try {
      return await withRunLock(where, source.outDir, {}, () => detectRun(source, options, values));
    } finally {
      source.run.dispose();
    }
  },
};

/** The body of lgm detect, with the output directory locked (the caller disposes the source's run). */
async function detectRun(
  source: RunSource,
  o: {
    limit: number;
    fitLimit: number;
    batchSize: number;
    seed: number;
    requested: DetectorName[] | null;
    advNames: string[] | undefined;
  },
  values: { 'data-dir'?: string; adversarial?: string; ood?: string },
): Promise<number> {
  const where = 'detect';
  const { limit, fitLimit, batchSize, seed, requested } = o;
  const outDir = source.outDir;
  const file = join(outDir, 'detection.json');
  // Fail now rather than after minutes of feature extraction.
  checkWritable(file);
  const run = source.run;
  const mixture = await source.mixture();
  const names = requested ?? detectorNamesFor(mixture);
  const detectors: Detector[] = [];
  const tensors: tf.Tensor[] = [];
  try {
    const dataset = run.config.dataset;
    const dataDir = values['data-dir'] ?? dataset.dataDir;
    // Inputs are pixels in [0, 1]; the classifier normalises them as lgm train did.
    const classifier = pixelClassifier(run.classifier, await source.normalization(dataDir));
    for (const n of names) detectors.push(createDetector(n, { classifier, mixture, where }));
    const train = await loadInputs(dataset.name, { split: 'train', limit: fitLimit, dataDir });
    tensors.push(train.x, train.y);
    const trainFeatures = batchedFeatures(classifier, train.x, batchSize);
    tensors.push(trainFeatures);
    for (const d of detectors) d.fitFeatures(trainFeatures, train.y);
    const fit = mixture === null ? null : mixtureFit(mixture, trainFeatures, train.y);
    if (fit?.warning) console.log(`warning: ${fit.warning}`);
    const test = await loadInputs(dataset.name, { split: 'test', limit, dataDir });
    tensors.push(test.x, test.y);
    const cleanFeatures = batchedFeatures(classifier, test.x, batchSize);
    tensors.push(cleanFeatures);
    const sets: InputSet[] = [];
    const advNames = values.adversarial === 'none' ? [] : (o.advNames ?? (await adversarialNames(outDir)));
    for (const name of advNames) {
      const set = await adversarialInputSet(outDir, name, classifier, batchSize);
      if (set === null)
        console.log(`note: adversarial set ${name} skipped: no successful adversarial example`);
      else sets.push(set);
    }
    for (const spec of oodSpecs(values.ood, dataset.name)) {
      const set = await oodSet(spec, classifier, limit, seed, batchSize);
      if (set !== null) sets.push(set);
    }
    for (const s of sets) tensors.push(s.features);
    if (sets.length === 0) {
      throw new LgmError(
        `${where}: needs at least one adversarial or OOD input set, got none (run lgm attack or pass --ood)`,
      );
    }
    const report = evaluateDetectors(detectors, cleanFeatures, sets);
    console.log(
      `lgm detect: ${test.indices.length} clean test images vs ${sets.map((s) => `${s.name} (${s.features.shape[0]})`).join(', ')}`,
    );
    console.log(formatDetectionTable(report.rows));
    await writeFileAtomicAsync(file, JSON.stringify(report) + '\n');
    console.log(`wrote ${file}`);
  } finally {
    for (const d of detectors) d.dispose();
    tf.dispose(tensors);
    mixture?.dispose();
  }
  return 0;
}
