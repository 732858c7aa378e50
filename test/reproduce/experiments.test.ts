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

test('the MNIST full budget is the official schedule: 21 epochs of batch 64, SGD lr 0.03 x0.7 every 3.2 epochs', () => {
  const full = budgetFor('mnist', 'full');
  assert.deepEqual([full.epochs, full.batchSize, full.trainLimit], [21, 64, null]);
  assert.deepEqual(full.lr, {
    kind: 'multistep',
    base: 0.03,
    milestones: [3.2, 6.4, 9.6, 12.8, 16, 19.2],
    gamma: 0.7,
  });
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
