/**
 * An independent, naive float64 implementation of the L-GM definitions (issue #2), written from the formulas
 * with plain loops, used to check the float32 TF.js code. Gradients come from central finite differences on it.
 */
export type Kind = 'identity' | 'isotropic' | 'diagonal';

export interface RefParams {
  means: number[][];
  /** [] for identity, [K] for isotropic, [K][D] for diagonal. */
  logVariances?: number[] | number[][];
  logPriors?: number[];
}

export interface RefOptions {
  covariance: Kind;
  alpha?: number;
  lambda?: number;
  logDet?: boolean;
  minLogVariance?: number;
  /** beta of the prior on the log-variances (learned kinds only); default 0. */
  variancePrior?: number;
}

const FLOOR = Math.log(1e-4);

function logVar(p: RefParams, kind: Kind, k: number, j: number, floor: number): number {
  if (kind === 'identity') return 0;
  const lv = p.logVariances as number[] | number[][];
  const raw = kind === 'isotropic' ? (lv[k] as number) : (lv[k] as number[])[j];
  return Math.max(raw, floor);
}

function rawLogVar(p: RefParams, kind: Kind, k: number, j: number): number {
  const lv = p.logVariances as number[] | number[][];
  return kind === 'isotropic' ? (lv[k] as number) : (lv[k] as number[])[j];
}

function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

export function refDistances(x: number[][], p: RefParams, kind: Kind, floor = FLOOR): number[][] {
  return x.map((xi) =>
    p.means.map(
      (mu, k) =>
        0.5 * xi.reduce((s, xij, j) => s + (xij - mu[j]) ** 2 / Math.exp(logVar(p, kind, k, j, floor)), 0),
    ),
  );
}

export function refLogDets(p: RefParams, kind: Kind, floor = FLOOR): number[] {
  return p.means.map((mu, k) => mu.reduce((s, _, j) => s + logVar(p, kind, k, j, floor), 0));
}

export function refLogPriors(p: RefParams): number[] {
  const K = p.means.length;
  if (p.logPriors === undefined) return Array(K).fill(-Math.log(K));
  const z = logSumExp(p.logPriors);
  return p.logPriors.map((v) => v - z);
}

export function refLoss(x: number[][], y: number[], p: RefParams, o: RefOptions) {
  const floor = o.minLogVariance ?? FLOOR;
  const alpha = o.alpha ?? 0;
  const lambda = o.lambda ?? 0;
  const useDet = o.logDet ?? true;
  const d = refDistances(x, p, o.covariance, floor);
  const ld = refLogDets(p, o.covariance, floor);
  const lp = refLogPriors(p);
  const logits = d.map((row, i) =>
    row.map((dik, k) => -(1 + (k === y[i] ? alpha : 0)) * dik - (useDet ? 0.5 * ld[k] : 0) + lp[k]),
  );
  const ce = logits.map((row, i) => logSumExp(row) - row[y[i]]);
  const lik = d.map((row, i) => row[y[i]] + (useDet ? 0.5 * ld[y[i]] : 0));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const classificationLoss = mean(ce);
  const likelihoodLoss = mean(lik);
  // The prior: beta/2 * mean over classes of sum_j (raw log sigma_kj^2)^2 (not floored).
  const beta = o.variancePrior ?? 0;
  const D = p.means[0].length;
  const penalty =
    o.covariance === 'identity' || beta === 0
      ? 0
      : (beta / 2) *
        mean(
          p.means.map(
            (_, k) => mean(Array.from({ length: D }, (_, j) => rawLogVar(p, o.covariance, k, j) ** 2)) * D,
          ),
        );
  return {
    loss: classificationLoss + lambda * likelihoodLoss + penalty,
    classificationLoss,
    likelihoodLoss,
    logits,
  };
}

/** log N(x; mu_k, Sigma_k) and log p(x) in float64. */
export function refDensity(x: number[][], p: RefParams, kind: Kind, floor = FLOOR) {
  const d = refDistances(x, p, kind, floor);
  const ld = refLogDets(p, kind, floor);
  const lp = refLogPriors(p);
  const D = p.means[0].length;
  const logDensity = d.map((row) =>
    row.map((dik, k) => -dik - 0.5 * ld[k] - 0.5 * D * Math.log(2 * Math.PI)),
  );
  const logLikelihood = logDensity.map((row) => logSumExp(row.map((v, k) => v + lp[k])));
  return { logDensity, logLikelihood };
}

/**
 * Central finite-difference gradient of f with respect to every entry of `value` (mutated in place and restored).
 * `h` scales with the entry's magnitude so that the far-from-origin case stays accurate in float64.
 */
export function finiteDifference(
  value: number[] | number[][],
  f: () => number,
  h = 1e-6,
): number[] | number[][] {
  const grad1 = (arr: number[]): number[] =>
    arr.map((v, i) => {
      const step = h * Math.max(1, Math.abs(v));
      arr[i] = v + step;
      const up = f();
      arr[i] = v - step;
      const down = f();
      arr[i] = v;
      return (up - down) / (2 * step);
    });
  return Array.isArray(value[0]) ? (value as number[][]).map((row) => grad1(row)) : grad1(value as number[]);
}
