import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  choiceFlag,
  integerFlag,
  listFlag,
  numberFlag,
  numberListFlag,
  flagLines,
  olderName,
  renamedValue,
  parseFlagTable,
  runDirArg,
  usageText,
  requiredFlag,
  splitList,
} from '../../src/cli/flags.js';

test('parseFlagTable: flags with and without a value, repeated ones, positionals only when allowed', () => {
  const flags = [
    { name: 'limit', value: '<n>', help: 'how many' },
    { name: 'out', value: '<dir>', help: 'where' },
    { name: 'run', value: '<dir>', help: 'runs', multiple: true },
    { name: 'json', help: 'as JSON' },
  ] as const;
  const { values, positionals } = parseFlagTable(
    ['--limit', '5', '--json', '--run', 'a', '--run', 'b'],
    flags,
  );
  assert.deepEqual({ ...values }, { limit: '5', json: true, run: ['a', 'b'] });
  assert.deepEqual(positionals, []);
  assert.throws(() => parseFlagTable(['--bogus'], flags), /Unknown option '--bogus'/);
  assert.throws(() => parseFlagTable(['run1'], flags), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
  assert.deepEqual(parseFlagTable(['run1', '--out', 'x'], flags, { positionals: true }).positionals, [
    'run1',
  ]);
  assert.throws(() => parseFlagTable(['--out'], flags), /argument missing/);
});

test('flagLines and usageText: one line per flag, help in one column, sections and continuation lines', () => {
  const flags = [
    { name: 'run', value: '<dir>', help: ['the run', 'more about it'], section: 'Input:' },
    { name: 'json', help: 'as JSON' },
  ] as const;
  assert.deepEqual(flagLines(flags), [
    'Input:',
    '  --run <dir>          the run',
    '                       more about it',
    '  --json               as JSON',
  ]);
  const text = usageText({ synopsis: ['lgm x --run <dir>', 'lgm x --help'], about: ['Does x.'], flags });
  assert.equal(
    text,
    ['Usage: lgm x --run <dir>', '       lgm x --help', '', 'Does x.', '', ...flagLines(flags)].join('\n'),
  );
});

test('runDirArg: --run or one positional, never both or none', () => {
  assert.equal(runDirArg('eval', 'runs/a', []), 'runs/a');
  assert.equal(runDirArg('eval', undefined, ['runs/a']), 'runs/a');
  assert.throws(() => runDirArg('eval', undefined, []), {
    message: 'eval: --run must name a run directory, got nothing',
  });
  assert.throws(() => runDirArg('eval', 'runs/a', ['runs/b']), {
    message: "eval: --run must name one run directory, got 'runs/a runs/b'",
  });
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

test('olderName and renamedValue: a renamed flag still reads under its older name, never under both', () => {
  assert.deepEqual(olderName('train-images', 'train-limit'), {
    name: 'train-images',
    value: '<n>',
    help: 'the older name of --train-limit',
  });
  const flags = [
    { name: 'train-limit', value: '<n>', help: 'images' },
    olderName('train-images', 'train-limit'),
  ];
  const read = (...argv: string[]) =>
    renamedValue('demo', parseFlagTable(argv, flags).values, 'train-limit', 'train-images');
  assert.equal(read('--train-limit', '5'), '5');
  assert.equal(read('--train-images', '7'), '7');
  assert.equal(read(), undefined);
  assert.throws(() => read('--train-limit', '5', '--train-images', '7'), {
    message: 'demo: --train-limit and its older name --train-images exclude each other, got both',
  });
});
