import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  classLogDensity,
  mixtureLogLikelihood,
  mixtureLogits,
  mixturePosterior,
  halfSquaredMahalanobis,
  LgmError,
} from '../../src/index.js';
import { refDensity, refDistances, refLogDets, refLogPriors, type Kind } from '../helpers/reference.js';
import { assertClose, makeProblem, problemTensors } from '../helpers/problems.js';

await tf.setBackend('cpu');
const KINDS: Kind[] = ['identity', 'isotropic', 'diagonal'];

for (const kind of KINDS) {
  for (const [label, spec] of [
    ['near the origin', { offset: 0, meanSpread: 2 }],
    ['far from the origin (~1000)', { offset: 1000, meanSpread: 1 }],
    ['with means ~300 apart', { offset: 0, meanSpread: 300 }],
  ] as const) {
    test(`${kind} ${label}: densities, log-likelihood, logits and posterior match float64`, () => {
      const p = makeProblem({ n: 15, k: 4, d: 6, kind, seed: 11, priors: true, ...spec });
      const t = problemTensors(p);
      const params = { means: t.means, logVariances: t.logVariances, logPriors: t.logPriors };
      const opts = { covariance: kind };
      const before = tf.memory().numTensors;
      const logDensity = classLogDensity(t.features, params, opts);
      const logLik = mixtureLogLikelihood(t.features, params, opts);
      const logits = mixtureLogits(t.features, params, opts);
      const posterior = mixturePosterior(t.features, params, opts);
      assert.equal(tf.memory().numTensors, before + 4, 'only the results remain');
      const ref = refDensity(p.x, p.params, kind);
      const d = refDistances(p.x, p.params, kind);
      const ld = refLogDets(p.params, kind);
      const lp = refLogPriors(p.params);
      const refLogits = d.map((row) => row.map((v, k) => -v - 0.5 * ld[k] + lp[k]));
      assertClose(logDensity.arraySync(), ref.logDensity, 1e-4, 'log-density');
      // Per sample: the log-likelihood is dominated by the nearest class, whose distance is an exact anchor.
      (logLik.arraySync() as number[]).forEach((v, i) =>
        assertClose(v, ref.logLikelihood[i], 1e-4, `log-likelihood ${i}`),
      );
      assertClose(logits.arraySync(), refLogits, 1e-4, 'logits');
      const post = posterior.arraySync();
      post.forEach((row, i) => {
        const z = Math.max(...refLogits[i]);
        const e = refLogits[i].map((v) => Math.exp(v - z));
        const s = e.reduce((a, b) => a + b, 0);
        assertClose(
          row,
          e.map((v) => v / s),
          1e-4,
          `posterior ${i}`,
        );
      });
      tf.dispose([logDensity, logLik, logits, posterior]);
    });
  }
}

test('halfSquaredMahalanobis: the nearest-class distance is exact where the expanded form loses every digit', () => {
  const p = makeProblem({ n: 20, k: 3, d: 16, kind: 'identity', seed: 12, offset: 0, meanSpread: 1000 });
  const t = problemTensors(p);
  const d = halfSquaredMahalanobis(t.features, t.means, null).arraySync();
  const ref = refDistances(p.x, p.params, 'identity');
  ref.forEach((row, i) => {
    const k = row.indexOf(Math.min(...row));
    assertClose(d[i][k], row[k], 1e-5, `nearest distance of sample ${i}`);
  });
  // The naive expanded form 1/2|x|^2 + 1/2|mu|^2 - x.mu on the same data, to show the test can fail.
  const naive = tf
    .sub(
      tf.mul(
        tf.add(tf.sum(tf.square(t.features), 1, true), tf.reshape(tf.sum(tf.square(t.means), 1), [1, -1])),
        0.5,
      ),
      tf.matMul(t.features, t.means, false, true),
    )
    .arraySync() as number[][];
  const worst = Math.max(
    ...ref.map((row, i) => Math.abs(naive[i][row.indexOf(Math.min(...row))] - Math.min(...row))),
  );
  assert.ok(worst > 0.1, `expanded form error ${worst} should be large here`);
});

test('inference functions validate their inputs', () => {
  const means = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(
    () => mixtureLogLikelihood(tf.zeros([5, 4]) as tf.Tensor2D, { means }, { covariance: 'identity' }),
    new LgmError('mixtureLogLikelihood: features must be float32 of shape [?,2], got float32 [5,4]'),
  );
  assert.throws(
    () => classLogDensity(tf.zeros([5, 2]) as tf.Tensor2D, { means }, { covariance: 'isotropic' }),
    new LgmError(
      "classLogDensity: params.logVariances (covariance 'isotropic') must be float32 of shape [3], got undefined",
    ),
  );
  assert.throws(
    () =>
      mixturePosterior(tf.zeros([5, 2]) as tf.Tensor2D, { means }, {
        covariance: 'identity',
        alpha: 1,
      } as never),
    /mixturePosterior: unknown option 'alpha'/,
  );
});
