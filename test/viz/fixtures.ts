import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, seededNormal } from '../../src/util/random.js';
import type { Detection, MetricsRecord, RunFeatures, RunMixture } from '../../src/viz/index.js';

/** A seeded synthetic run: K Gaussian classes on a circle in the first two of D dimensions. */
export function syntheticRun(
  seed: number,
  opts: { n?: number; k?: number; dim?: number; covariance?: RunMixture['covariance'] } = {},
): { run: RunFeatures; mixture: RunMixture } {
  const { n = 300, k = 10, dim = 2, covariance = 'diagonal' } = opts;
  const normal = seededNormal(mulberry32(seed));
  const means = Array.from({ length: k }, (_, c) =>
    Array.from({ length: dim }, (_, j) =>
      j === 0
        ? 6 * Math.cos((2 * Math.PI * c) / k)
        : j === 1
          ? 6 * Math.sin((2 * Math.PI * c) / k)
          : normal(),
    ),
  );
  const diag = Array.from({ length: k }, (_, c) =>
    Array.from({ length: dim }, (_, j) => Math.log(0.3 + 0.1 * ((c + j) % 4))),
  );
  const logVariances =
    covariance === 'identity' ? null : covariance === 'isotropic' ? diag.map((row) => row[0]) : diag;
  const std = (c: number, j: number) =>
    covariance === 'identity' ? 1 : Math.exp(0.5 * (covariance === 'isotropic' ? diag[c][0] : diag[c][j]));
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const features = labels.map((c) => means[c].map((m, j) => m + std(c, j) * normal()));
  const predictions = labels.map((c, i) => (i % 17 === 0 ? (c + 1) % k : c));
  return {
    run: { dim, numClasses: k, labels, predictions, features },
    mixture: { covariance, means, logVariances, logPriors: null },
  };
}

/** A detection.json with two detectors on one input set; TPR curves from a seeded score model. */
export function syntheticDetection(): Detection {
  const curve = (power: number) => {
    const fpr = Array.from({ length: 21 }, (_, i) => i / 20);
    return { fpr, tpr: fpr.map((f) => f ** power) };
  };
  const row = (detector: string, auroc: number) => ({
    detector,
    inputSet: 'fgsm',
    auroc,
    auprIn: 0.9,
    auprOut: 0.85,
    fpr95: 0.2,
    detectionAccuracy: 0.88,
  });
  return {
    rows: [row('likelihood', 0.95), row('max-softmax', 0.7)],
    curves: [
      { detector: 'likelihood', inputSet: 'fgsm', ...curve(0.1) },
      { detector: 'max-softmax', inputSet: 'fgsm', ...curve(0.5) },
    ],
  };
}

/** metrics.jsonl records for `epochs` epochs of `steps` logged steps each. */
export function syntheticMetrics(epochs = 3, steps = 5): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (let e = 0; e < epochs; e++) {
    for (let s = 0; s < steps; s++) {
      const step = e * steps + s;
      const loss = 2 / (1 + step);
      out.push({
        type: 'step',
        step,
        epoch: e,
        loss,
        classificationLoss: 0.8 * loss,
        auxiliaryLoss: 0.2 * loss,
        accuracy: 1 - loss / 2,
        lr: 0.01 * 0.9 ** e,
        alpha: 0.1 * Math.min(1, step / 10),
        lambda: 0.01,
      });
    }
    out.push({
      type: 'epoch',
      epoch: e,
      step: (e + 1) * steps - 1,
      trainLoss: 1 / (e + 1),
      testLoss: 1.1 / (e + 1),
      trainAccuracy: 0.9,
      testAccuracy: 0.88,
    });
  }
  return out;
}

const created: string[] = [];

/** Removes every run directory `writeRunDir` made (call from `after`). */
export async function removeRunDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Writes a run directory in os.tmpdir() with the chosen parts; resolves to its path. */
export async function writeRunDir(parts: {
  config?: object;
  features?: RunFeatures;
  mixture?: RunMixture;
  detection?: Detection;
  metrics?: MetricsRecord[];
  adversarial?: number[][];
}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lgm-viz-'));
  created.push(dir);
  const json = (name: string, value: unknown) => writeFile(join(dir, name), JSON.stringify(value));
  if (parts.config) await json('config.json', parts.config);
  if (parts.features) await json('features.json', { split: 'test', ...parts.features });
  if (parts.mixture) await json('mixture.json', parts.mixture);
  if (parts.detection) await json('detection.json', parts.detection);
  if (parts.metrics)
    await writeFile(
      join(dir, 'metrics.jsonl'),
      parts.metrics.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
  if (parts.adversarial) {
    await mkdir(join(dir, 'adversarial'));
    await json('adversarial/fgsm.json', { attack: 'fgsm', features: parts.adversarial });
  }
  return dir;
}
