import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetectionMetrics, detectionMetrics, thresholdForTpr } from '../../src/detect/metrics.js';

const close = (a: number, b: number, msg?: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${msg}: ${a} vs ${b}`);

test('metrics match values worked out by hand (no ties)', () => {
  // Clean 0.1 0.2 0.3 0.4; anomalous 0.35 0.5 0.6.
  // AUROC: 0.35 beats 3 clean, 0.5 and 0.6 beat 4 each: 11/12.
  // AUPR-out (descending A A C A C C C): 1/3*1 + 1/3*1 + 1/3*3/4 = 11/12.
  // AUPR-in (ascending C C C A C A A): 1/4*(1+1+1) + 1/4*4/5 = 0.95.
  // FPR95: ceil(0.95*4) = 4 clean accepted -> t = 0.4; anomalous <= 0.4: one of three.
  // Detection accuracy: best at t = 0.3: 1/2*3/4 + 1/2*1 = 0.875.
  const r = detectionMetrics([0.4, 0.1, 0.3, 0.2], [0.6, 0.35, 0.5]);
  close(r.auroc, 11 / 12, 'auroc');
  close(r.auprOut, 11 / 12, 'auprOut');
  close(r.auprIn, 0.95, 'auprIn');
  close(r.fpr95, 1 / 3, 'fpr95');
  close(r.detectionAccuracy, 0.875, 'detectionAccuracy');
  assert.equal(r.numClean, 4);
  assert.equal(r.numAnomalous, 3);
});

test('metrics count tied scores as in the hand-worked example', () => {
  // Clean 1 2 2; anomalous 2 3.
  // AUROC: anomalous 2 beats clean 1 and ties two 2s (1 + 2*0.5), 3 beats all three: (2 + 3)/6.
  // AUPR-out: group {3: A} -> 1/2*1; group {2: C C A} -> tp 2, fp 2 -> 1/2*2/4; total 0.75.
  // AUPR-in: group {1: C} -> 1/3*1; group {2: C C A} -> tp 3, fp 1 -> 2/3*3/4; total 5/6.
  // FPR95: ceil(2.85) = 3 -> t = 2; anomalous <= 2: one of two. Detection accuracy at t = 2: 1/2 + 1/4.
  const m = new DetectionMetrics().addClean([1, 2]).addAnomalous([2]).addClean([2]).addAnomalous([3]);
  const r = m.compute();
  close(r.auroc, 5 / 6, 'auroc');
  close(r.auprOut, 0.75, 'auprOut');
  close(r.auprIn, 5 / 6, 'auprIn');
  close(r.fpr95, 0.5, 'fpr95');
  close(r.detectionAccuracy, 0.75, 'detectionAccuracy');
  assert.deepEqual(m.rocCurve(), { fpr: [0, 0, 0.5, 1], tpr: [0, 1 / 3, 1, 1] });
  assert.deepEqual(m.atThreshold(2), { tpr: 1, fpr: 0.5 });
  assert.deepEqual(m.atThreshold(1.5), { tpr: 1 / 3, fpr: 0 });
});

test('all scores tied gives chance values; reversed scores give AUROC 0', () => {
  const tied = detectionMetrics([5, 5], [5]);
  close(tied.auroc, 0.5, 'auroc');
  close(tied.fpr95, 1, 'fpr95');
  close(tied.detectionAccuracy, 0.5, 'detectionAccuracy');
  close(tied.auprOut, 1 / 3, 'auprOut'); // the prevalence of anomalies
  close(tied.auprIn, 2 / 3, 'auprIn');
  const perfect = detectionMetrics([0, 1], [2, 3]);
  assert.deepEqual(
    [perfect.auroc, perfect.auprIn, perfect.auprOut, perfect.fpr95, perfect.detectionAccuracy],
    [1, 1, 1, 0, 1],
  );
  const reversed = detectionMetrics([3, 4], [1, 2]);
  assert.equal(reversed.auroc, 0);
  assert.equal(reversed.fpr95, 1);
  assert.equal(reversed.detectionAccuracy, 0.5);
});

test('rocCurve thins long curves to maxPoints keeping both ends', () => {
  const clean = Array.from({ length: 500 }, (_, i) => i);
  const anomalous = Array.from({ length: 500 }, (_, i) => i + 250.5);
  const curve = new DetectionMetrics().addClean(clean).addAnomalous(anomalous).rocCurve(50);
  assert.equal(curve.fpr.length, 50);
  assert.deepEqual([curve.fpr[0], curve.tpr[0]], [0, 0]);
  assert.deepEqual([curve.fpr[49], curve.tpr[49]], [1, 1]);
  for (let i = 1; i < 50; i++)
    assert.ok(curve.fpr[i] >= curve.fpr[i - 1] && curve.tpr[i] >= curve.tpr[i - 1]);
  assert.throws(
    () => new DetectionMetrics().addClean([1]).addAnomalous([2]).rocCurve(1),
    /maxPoints must be/,
  );
});

test('thresholdForTpr picks the smallest clean score accepting the target fraction', () => {
  const scores = [0.5, 0.1, 0.3, 0.2, 0.4];
  assert.equal(thresholdForTpr(scores, 0.8), 0.4); // 4 of 5 <= 0.4
  assert.equal(thresholdForTpr(scores, 0.5), 0.3); // ceil(2.5) = 3
  assert.equal(thresholdForTpr(scores, 1), 0.5);
  // 0.95 * 20 is 19.000000000000004 in floating point: still 19 scores.
  assert.equal(
    thresholdForTpr(
      Array.from({ length: 20 }, (_, i) => i + 1),
      0.95,
    ),
    19,
  );
  assert.equal(thresholdForTpr([3, 3, 3], 0.5), 3);
});

test('degenerate inputs throw clear errors', () => {
  assert.throws(
    () => new DetectionMetrics().addClean([1, 2]).compute(),
    /DetectionMetrics.compute: metrics need clean and anomalous scores, got 2 clean and 0 anomalous/,
  );
  assert.throws(
    () => detectionMetrics([], [1]),
    /metrics need clean and anomalous scores, got 0 clean and 1 anomalous/,
  );
  assert.throws(
    () => new DetectionMetrics().addAnomalous([1, NaN]),
    /DetectionMetrics.addAnomalous: scores must be finite numbers, got NaN at index 1/,
  );
  assert.throws(() => new DetectionMetrics().addClean([Infinity]), /got Infinity at index 0/);
  assert.throws(
    () => thresholdForTpr([], 0.95),
    /thresholdForTpr: cleanScores must be non-empty, got 0 scores/,
  );
  assert.throws(
    () => thresholdForTpr([1], 0),
    /thresholdForTpr: tpr must be a number in \(0, 1\], got number 0/,
  );
  assert.throws(() => thresholdForTpr([1], 1.5), /got number 1.5/);
  assert.throws(
    () => new DetectionMetrics().addClean([1]).addAnomalous([2]).atThreshold(NaN),
    /threshold must be a number/,
  );
});
