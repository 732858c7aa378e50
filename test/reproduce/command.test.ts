import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function lgm(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lgm reproduce --help shows the experiments and budgets', () => {
  const r = lgm('reproduce', '--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /lgm reproduce mnist {3}\[--budget tiny\|quick\|full\]/);
  assert.match(r.stdout, /lgm reproduce cifar10 --data-dir <cifar-10-batches-bin>/);
});

test('lgm reproduce rejects a missing or unknown experiment, budget or flag with exit code 2', () => {
  const none = lgm('reproduce');
  assert.equal(none.code, 2);
  assert.match(
    none.stderr,
    /reproduce: expects one experiment among mnist, cifar10, fashion-mnist, got none/,
  );
  const bad = lgm('reproduce', 'svhn');
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /reproduce: expects one experiment among mnist, cifar10, fashion-mnist, got 'svhn'/,
  );
  const budget = lgm('reproduce', 'mnist', '--budget', 'medium');
  assert.equal(budget.code, 2);
  assert.match(budget.stderr, /reproduce: --budget must be one of tiny, quick, full, got 'medium'/);
  const cifar = lgm('reproduce', 'cifar10');
  assert.equal(cifar.code, 2);
  assert.match(
    cifar.stderr,
    /reproduce: cifar10 needs dataDir \(the cifar-10-batches-bin directory\), got none/,
  );
  const flag = lgm('reproduce', 'mnist', '--epochs', '3');
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--epochs'/);
});
