import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkLrSchedule,
  checkValueSchedule,
  learningRate,
  scheduledValue,
} from '../../src/train/schedules.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('learning rate: constant, multistep, cosine, warm-up', () => {
  const multi = checkLrSchedule('lr', { kind: 'multistep', base: 0.1, milestones: [2, 4], gamma: 0.1 });
  close(learningRate(multi, 0, 6), 0.1);
  close(learningRate(multi, 1.99, 6), 0.1);
  close(learningRate(multi, 2, 6), 0.01);
  close(learningRate(multi, 5, 6), 0.001);
  const cos = checkLrSchedule('lr', { kind: 'cosine', base: 1, minLr: 0.1 });
  close(learningRate(cos, 0, 10), 1);
  close(learningRate(cos, 5, 10), 0.55);
  close(learningRate(cos, 10, 10), 0.1);
  const warm = checkLrSchedule('lr', { kind: 'cosine', base: 1, warmupEpochs: 2 });
  close(learningRate(warm, 1, 10), 0.5);
  close(learningRate(warm, 2, 10), 1);
  close(learningRate(warm, 6, 10), 0.5);
  close(learningRate(checkLrSchedule('lr', {}), 3, 10), 0.01);
});

test('alpha step-up (official L-GM code) and lambda ramp (follow-up work)', () => {
  const stepup = checkValueSchedule('alpha', {
    kind: 'stepup',
    start: 0.1,
    factor: 2,
    every: 5000,
    max: 0.3,
  });
  close(scheduledValue(stepup, 0, 0), 0.1);
  close(scheduledValue(stepup, 4999, 0), 0.1);
  close(scheduledValue(stepup, 5000, 0), 0.2);
  close(scheduledValue(stepup, 10000, 0), 0.3); // 0.4 capped at max
  const ramp = checkValueSchedule('lambda', { kind: 'ramp', value: 0.1, epochs: 5 });
  close(scheduledValue(ramp, 0, 0), 0);
  close(scheduledValue(ramp, 0, 2.5), 0.05);
  close(scheduledValue(ramp, 0, 7), 0.1);
  close(scheduledValue(checkValueSchedule('a', { kind: 'constant', value: 0.2 }), 9, 9), 0.2);
});

test('schedules: impossible values are clear errors', () => {
  assert.throws(
    () => checkLrSchedule('lr', { kind: 'step' as never }),
    /lr.kind must be one of constant, multistep, cosine, got 'step'/,
  );
  assert.throws(
    () => checkLrSchedule('lr', { kind: 'multistep' }),
    /lr.milestones must be non-empty for kind 'multistep'/,
  );
  assert.throws(
    () => checkLrSchedule('lr', { milestones: [5, 3] }),
    /lr.milestones must be increasing positive epochs/,
  );
  assert.throws(() => checkLrSchedule('lr', { base: 0 }), /lr.base must be a finite number in/);
  assert.throws(
    () => checkValueSchedule('alpha', { kind: 'stepup', start: 0.1, factor: 0.5, every: 10, max: 1 }),
    /alpha.factor must be a finite number in \[1, Infinity\], got number 0.5/,
  );
  assert.throws(
    () => checkValueSchedule('alpha', { kind: 'ramp', value: 0.1 }),
    /alpha.epochs is required for kind 'ramp'/,
  );
  assert.throws(
    () => checkValueSchedule('alpha', { kind: 'ramp', value: 0.1, epochs: 1, every: 3 }),
    /unknown option 'every'/,
  );
});
