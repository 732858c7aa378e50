import { DEFAULT_MIN_LOG_VARIANCE } from '../gm/params.js';
import { LgmError } from '../util/errors.js';

/** One diagonal Gaussian per class, as plain numbers. */
export interface ClassGaussians {
  /** Class means, K rows of D numbers. */
  means: number[][];
  /** Per-dimension variances, K rows of D numbers, at least exp(DEFAULT_MIN_LOG_VARIANCE). */
  variances: number[][];
  /** Normalised log class priors (add-one smoothed counts), K numbers. */
  logPriors: number[];
}

/**
 * Fits one diagonal Gaussian per class to features (row-major [N*D] host numbers) with labels in [0, K): the
 * class-conditional Gaussian model of a softmax network's features. A class absent from the sample keeps a zero
 * mean, the variance floor and a finite (add-one smoothed) prior, so the mixture is always usable.
 */
export function fitClassGaussians(
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): ClassGaussians {
  const where = 'fitClassGaussians';
  const n = labels.length;
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new LgmError(`${where}: numClasses must be an integer >= 1, got ${numClasses}`);
  }
  if (n < 1 || features.length % n !== 0) {
    throw new LgmError(
      `${where}: features must hold D numbers for each of the ${n} labels (N >= 1), got ${features.length}`,
    );
  }
  const dim = features.length / n;
  const counts = new Array<number>(numClasses).fill(0);
  const sums = Array.from({ length: numClasses }, () => new Array<number>(dim).fill(0));
  const squares = Array.from({ length: numClasses }, () => new Array<number>(dim).fill(0));
  for (let i = 0; i < n; i++) {
    const k = labels[i];
    if (!(Number.isInteger(k) && k >= 0 && k < numClasses)) {
      throw new LgmError(`${where}: labels must be integers in [0, ${numClasses}), got ${k} at ${i}`);
    }
    counts[k]++;
    for (let d = 0; d < dim; d++) {
      const v = features[i * dim + d];
      sums[k][d] += v;
      squares[k][d] += v * v;
    }
  }
  const floor = Math.exp(DEFAULT_MIN_LOG_VARIANCE);
  const means = sums.map((row, k) => row.map((s) => s / Math.max(counts[k], 1)));
  const variances = squares.map((row, k) =>
    row.map((s, d) => Math.max(s / Math.max(counts[k], 1) - means[k][d] ** 2, floor)),
  );
  const total = n + numClasses;
  const logPriors = counts.map((c) => Math.log((c + 1) / total));
  return { means, variances, logPriors };
}
