import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  choiceFlag,
  integerFlag,
  listFlag,
  numberFlag,
  numberListFlag,
  parseFlags,
  requiredFlag,
  splitList,
} from '../../src/cli/flags.js';

test('parseFlags: string and boolean flags, positionals only when allowed', () => {
  const spec = { strings: ['limit', 'out'], booleans: ['json'] } as const;
  const { values, positionals } = parseFlags(['--limit', '5', '--json'], spec);
  assert.deepEqual({ ...values }, { limit: '5', json: true });
  assert.deepEqual(positionals, []);
  assert.throws(() => parseFlags(['--bogus'], spec), /Unknown option '--bogus'/);
  assert.throws(() => parseFlags(['run1'], spec), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
  assert.deepEqual(parseFlags(['run1', '--out', 'x'], { ...spec, positionals: true }).positionals, ['run1']);
  assert.throws(() => parseFlags(['--out'], spec), /argument missing/);
});

test('numberFlag / integerFlag: the value, the fallback, or a message naming the typed value', () => {
  assert.equal(numberFlag('cmd', 'eps', '0.25', 1, { min: 0 }), 0.25);
  assert.equal(numberFlag('cmd', 'eps', undefined, 1), 1);
  assert.equal(integerFlag('cmd', 'n', undefined, undefined), undefined);
  assert.equal(integerFlag('cmd', 'n', '-3', 0), -3);
  assert.throws(() => numberFlag('cmd', 'eps', 'x', 1), { message: "cmd: --eps must be a number, got 'x'" });
  assert.throws(() => numberFlag('cmd', 'eps', ' ', 1), { message: "cmd: --eps must be a number, got ' '" });
  assert.throws(() => numberFlag('cmd', 'eps', 'Infinity', 1), /must be a number, got 'Infinity'/);
  assert.throws(() => numberFlag('cmd', 'p', '2', 0, { min: 0, max: 1 }), {
    message: "cmd: --p must be a number in [0, 1], got '2'",
  });
  assert.throws(() => numberFlag('cmd', 'p', '2', 0, { max: 1 }), /--p must be a number <= 1, got '2'/);
  assert.throws(() => integerFlag('cmd', 'n', '2.5', 1, { min: 1 }), {
    message: "cmd: --n must be an integer >= 1, got '2.5'",
  });
  assert.throws(() => integerFlag('cmd', 'n', '0', 1, { min: 1 }), /--n must be an integer >= 1, got '0'/);
});

test('choiceFlag, listFlag, splitList, numberListFlag, requiredFlag', () => {
  const kinds = ['a', 'b'] as const;
  assert.equal(choiceFlag('cmd', 'kind', undefined, kinds, 'a'), 'a');
  assert.equal(choiceFlag('cmd', 'kind', 'b', kinds, 'a'), 'b');
  assert.throws(() => choiceFlag('cmd', 'kind', 'c', kinds, 'a'), {
    message: "cmd: --kind must be one of a, b, got 'c'",
  });
  assert.deepEqual(listFlag('cmd', 'kinds', 'a, b', kinds), ['a', 'b']);
  assert.throws(() => listFlag('cmd', 'kinds', 'a,c', kinds), {
    message: "cmd: --kinds entries must be among a, b, got 'c'",
  });
  assert.deepEqual(splitList(' x ,y'), ['x', 'y']);
  assert.deepEqual(numberListFlag('cmd', 'm', '1,2.5'), [1, 2.5]);
  assert.equal(numberListFlag('cmd', 'm', undefined), undefined);
  assert.throws(() => numberListFlag('cmd', 'm', '1,,2'), {
    message: "cmd: --m must be comma-separated numbers, got '1,,2'",
  });
  assert.equal(requiredFlag('cmd', 'run', 'dir', 'name a run directory'), 'dir');
  assert.throws(() => requiredFlag('cmd', 'run', undefined, 'name a run directory'), {
    message: 'cmd: --run must name a run directory, got nothing',
  });
});
