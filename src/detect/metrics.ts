import { LgmError, describe } from '../util/errors.js';
import { numberOption } from '../util/options.js';

/**
 * Detection metrics for anomaly scores (higher = more anomalous), with the conventions of the OOD and
 * adversarial-detection literature (Hendrycks & Gimpel 2017; Lee et al. 2018; Liu et al. 2020):
 *
 * - Clean (in-distribution) inputs are the positive class of the ROC curve: an input is *accepted* as clean when
 *   its score is <= a threshold t. TPR(t) = fraction of clean inputs accepted, FPR(t) = fraction of anomalous
 *   inputs accepted. AUROC is the area under this curve, equal to P(anomalous score > clean score) with ties
 *   counted one half (the Mann-Whitney statistic).
 * - FPR@95%TPR: t is the smallest score at which at least 95% of clean inputs are accepted; FPR at that t.
 * - AUPR-in: average precision with clean inputs as positives ranked by low score; AUPR-out: anomalous inputs
 *   as positives ranked by high score. Average precision is sum_n (R_n - R_{n-1}) P_n over distinct thresholds
 *   (tied scores enter together), as in scikit-learn's `average_precision_score`.
 * - Detection accuracy: max over t of 1/2 TPR(t) + 1/2 (1 - FPR(t)), t ranging over every score and -inf.
 */
export interface DetectionResult {
  /** Area under the ROC curve, in [0, 1]; 0.5 = chance, 1 = every anomaly scores above every clean input. */
  auroc: number;
  /** Average precision with clean inputs as positives. */
  auprIn: number;
  /** Average precision with anomalous inputs as positives. */
  auprOut: number;
  /** Fraction of anomalous inputs accepted when 95% of clean inputs are accepted. */
  fpr95: number;
  /** Best balanced accuracy over all thresholds. */
  detectionAccuracy: number;
  /** Number of clean and anomalous scores. */
  numClean: number;
  numAnomalous: number;
}

/** ROC curve with clean inputs as positives, thresholds ascending: both arrays run from 0 to 1. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
}

/** Checks a score array: finite numbers only. */
function toScores(where: string, name: string, scores: ArrayLike<number>): Float64Array {
  if (scores === null || typeof scores !== 'object' || typeof scores.length !== 'number') {
    throw new LgmError(`${where}: ${name} must be an array of numbers, got ${describe(scores)}`);
  }
  const out = Float64Array.from(scores);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new LgmError(`${where}: ${name} must be finite numbers, got ${String(scores[i])} at index ${i}`);
    }
  }
  return out;
}

/** One distinct threshold: how many clean and anomalous scores equal it. */
interface Group {
  score: number;
  clean: number;
  anomalous: number;
}

/** Groups of tied scores, ascending. */
function tiedGroups(clean: Float64Array, anomalous: Float64Array): Group[] {
  const all: [number, 0 | 1][] = [];
  for (const s of clean) all.push([s, 0]);
  for (const s of anomalous) all.push([s, 1]);
  all.sort((a, b) => a[0] - b[0]);
  const groups: Group[] = [];
  for (const [score, kind] of all) {
    let last = groups[groups.length - 1];
    if (last === undefined || last.score !== score) {
      last = { score, clean: 0, anomalous: 0 };
      groups.push(last);
    }
    if (kind === 0) last.clean++;
    else last.anomalous++;
  }
  return groups;
}

/** Average precision of `positives`/`negatives` counts per group, groups visited in ranking order. */
function averagePrecision(groups: Group[], positive: 'clean' | 'anomalous', total: number): number {
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of groups) {
    const p = positive === 'clean' ? g.clean : g.anomalous;
    const n = positive === 'clean' ? g.anomalous : g.clean;
    tp += p;
    fp += n;
    // Recall rises by p/total at this threshold, at precision tp/(tp+fp) (the whole tied group enters at once).
    if (p > 0) ap += (p / total) * (tp / (tp + fp));
  }
  return ap;
}

/** Smallest threshold t among `sorted` (ascending) accepting at least `tpr` of them (score <= t). */
function thresholdOfSorted(sorted: Float64Array, tpr: number): number {
  // ceil with a tolerance so that 0.95 * 20 = 19.000000000000004 still asks for 19 inputs.
  const needed = Math.max(1, Math.ceil(tpr * sorted.length - 1e-9));
  return sorted[needed - 1];
}

/**
 * Threshold chosen on clean validation scores for a target true-positive rate: the smallest score t such that
 * at least `tpr` of the clean scores are <= t. Inputs scoring above t are then flagged as anomalous.
 */
export function thresholdForTpr(cleanScores: ArrayLike<number>, tpr: number): number {
  const where = 'thresholdForTpr';
  const scores = toScores(where, 'cleanScores', cleanScores);
  if (scores.length === 0) throw new LgmError(`${where}: cleanScores must be non-empty, got 0 scores`);
  if (!(typeof tpr === 'number' && tpr > 0 && tpr <= 1)) {
    throw new LgmError(`${where}: tpr must be a number in (0, 1], got ${describe(tpr)}`);
  }
  return thresholdOfSorted(scores.sort(), tpr);
}

/**
 * Accumulates anomaly scores of clean and anomalous inputs batch by batch, then computes every metric at once.
 * Scores must be finite; metrics need at least one score of each kind.
 */
export class DetectionMetrics {
  private readonly clean: number[] = [];
  private readonly anomalous: number[] = [];

  /** Adds scores of clean (in-distribution) inputs. */
  addClean(scores: ArrayLike<number>): this {
    for (const s of toScores('DetectionMetrics.addClean', 'scores', scores)) this.clean.push(s);
    return this;
  }

  /** Adds scores of anomalous (adversarial or out-of-distribution) inputs. */
  addAnomalous(scores: ArrayLike<number>): this {
    for (const s of toScores('DetectionMetrics.addAnomalous', 'scores', scores)) this.anomalous.push(s);
    return this;
  }

  private sorted(where: string): { clean: Float64Array; anomalous: Float64Array } {
    if (this.clean.length === 0 || this.anomalous.length === 0) {
      throw new LgmError(
        `${where}: metrics need clean and anomalous scores, got ${this.clean.length} clean and ` +
          `${this.anomalous.length} anomalous`,
      );
    }
    return {
      clean: Float64Array.from(this.clean).sort(),
      anomalous: Float64Array.from(this.anomalous).sort(),
    };
  }

  /** AUROC, AUPR-in/out, FPR@95%TPR and detection accuracy of everything added so far. */
  compute(): DetectionResult {
    const { clean, anomalous } = this.sorted('DetectionMetrics.compute');
    const groups = tiedGroups(clean, anomalous);
    const nc = clean.length;
    const na = anomalous.length;
    let auc = 0;
    let cleanBelow = 0;
    let anomalousBelow = 0;
    let bestAccuracy = 0.5; // t = -inf accepts nothing: TPR 0, FPR 0.
    for (const g of groups) {
      // Every anomalous score in g beats the clean scores below g and ties with the clean ones in g.
      auc += g.anomalous * (cleanBelow + 0.5 * g.clean);
      cleanBelow += g.clean;
      anomalousBelow += g.anomalous;
      bestAccuracy = Math.max(bestAccuracy, 0.5 * (cleanBelow / nc) + 0.5 * (1 - anomalousBelow / na));
    }
    const t95 = thresholdOfSorted(clean, 0.95);
    return {
      auroc: auc / (nc * na),
      auprIn: averagePrecision(groups, 'clean', nc),
      auprOut: averagePrecision([...groups].reverse(), 'anomalous', na),
      fpr95: countAtMost(anomalous, t95) / na,
      detectionAccuracy: bestAccuracy,
      numClean: nc,
      numAnomalous: na,
    };
  }

  /** TPR (clean accepted) and FPR (anomalous accepted) when inputs scoring <= threshold are accepted. */
  atThreshold(threshold: number): { tpr: number; fpr: number } {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
      throw new LgmError(
        `DetectionMetrics.atThreshold: threshold must be a number, got ${describe(threshold)}`,
      );
    }
    const { clean, anomalous } = this.sorted('DetectionMetrics.atThreshold');
    return {
      tpr: countAtMost(clean, threshold) / clean.length,
      fpr: countAtMost(anomalous, threshold) / anomalous.length,
    };
  }

  /**
   * ROC curve (clean inputs positive), from (0,0) to (1,1), one point per distinct score, thinned to at most
   * `maxPoints` (>= 2) points by keeping evenly spaced ones plus both ends.
   */
  rocCurve(maxPoints = 200): RocCurve {
    const points = numberOption('DetectionMetrics.rocCurve', 'maxPoints', maxPoints, 200, {
      min: 2,
      integer: true,
    });
    const { clean, anomalous } = this.sorted('DetectionMetrics.rocCurve');
    const fpr = [0];
    const tpr = [0];
    let c = 0;
    let a = 0;
    for (const g of tiedGroups(clean, anomalous)) {
      c += g.clean;
      a += g.anomalous;
      fpr.push(a / anomalous.length);
      tpr.push(c / clean.length);
    }
    if (fpr.length <= points) return { fpr, tpr };
    const keep = Array.from({ length: points }, (_, i) => Math.round((i * (fpr.length - 1)) / (points - 1)));
    return { fpr: keep.map((i) => fpr[i]), tpr: keep.map((i) => tpr[i]) };
  }
}

/** Number of values <= t in an ascending array (binary search). */
function countAtMost(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Convenience: every metric for one set of clean and one set of anomalous scores. */
export function detectionMetrics(
  cleanScores: ArrayLike<number>,
  anomalousScores: ArrayLike<number>,
): DetectionResult {
  return new DetectionMetrics().addClean(cleanScores).addAnomalous(anomalousScores).compute();
}
