import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUDGET_NAMES,
  EXPERIMENT_NAMES,
  budgetFor,
  experimentVariants,
  figureGrid,
  variantConfig,
} from '../../src/reproduce/index.js';

test('every variant of every experiment resolves to a valid config under every budget', () => {
  for (const experiment of EXPERIMENT_NAMES) {
    for (const name of BUDGET_NAMES) {
      const budget = budgetFor(experiment, name);
      for (const v of experimentVariants(experiment)) {
        const c = variantConfig(experiment, v, budget, { seed: 3, dataDir: null });
        assert.equal(c.seed, 3);
        assert.equal(c.loss.name, v.loss);
        assert.equal(c.net.name, budget.netOverride?.name ?? v.net);
        // alpha / lambda are on (the budget's schedule), off (constant 0) or not taken by the loss (null).
        const expectAlpha = v.loss !== 'lgm' ? null : v.alpha ? budget.alpha : { kind: 'constant', value: 0 };
        assert.deepEqual(c.alpha, expectAlpha, `${experiment} ${name} ${v.name}`);
        if (v.loss === 'softmax') assert.equal(c.lambda, null);
        else if (v.lambda) assert.deepEqual(c.lambda, budget.lambda);
      }
    }
  }
});

test('the MNIST full budget is the follow-up recipe shortened: 10 epochs of batch 64, Nesterov SGD, warm-up + cosine', () => {
  const full = budgetFor('mnist', 'full');
  assert.deepEqual([full.epochs, full.batchSize, full.trainLimit], [10, 64, null]);
  assert.deepEqual(full.lr, { kind: 'cosine', base: 0.01, warmupEpochs: 0.5, minLr: 0 });
  assert.deepEqual(full.optimizer, {
    name: 'sgd',
    momentum: 0.9,
    nesterov: true,
    weightDecay: 1e-3,
    mixtureLrMultiplier: 1,
  });
  assert.deepEqual(
    [full.alpha, full.lambda],
    [
      { kind: 'ramp', value: 1, epochs: 2 },
      { kind: 'ramp', value: 0.1, epochs: 2 },
    ],
  );
  assert.equal(budgetFor('mnist', undefined).name, 'quick');
  assert.throws(
    () => budgetFor('mnist', 'huge'),
    /reproduce: budget must be one of tiny, quick, full, got 'huge'/,
  );
});

test('figureGrid lays figures out in rows', () => {
  const fig = (w: number, h: number) => ({ width: w, height: h, body: ['<g/>'] });
  const grid = figureGrid([fig(10, 5), fig(10, 7), fig(10, 5), fig(12, 4), fig(10, 5)], 4);
  assert.deepEqual([grid.width, grid.height], [42, 12]);
  assert.match(grid.body[1], /^<g transform="translate\(0,7\)">/);
});
