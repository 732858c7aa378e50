import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lgm } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('lgm --version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
  const r = lgm('--version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('lgm --help lists the commands; lgm <command> --help shows its usage', () => {
  const r = lgm('--help');
  assert.equal(r.code, 0);
  for (const name of ['demo', 'train', 'eval', 'attack', 'detect', 'plot', 'blobs', 'bench'])
    assert.match(r.stdout, new RegExp(`\\n  ${name} `));
  const b = lgm('bench', '--help');
  assert.match(b.stdout, /Usage: lgm bench <target>/);
  assert.match(b.stdout, /head/);
});

test('unknown commands, options and values exit 2 with a clear message', () => {
  const r = lgm('frobnicate');
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /lgm: unknown command 'frobnicate', expected one of demo, train, eval, attack, detect/,
  );
  const o = lgm('blobs', '--bogus');
  assert.equal(o.code, 2);
  assert.match(o.stderr, /Unknown option '--bogus'/);
  const v = lgm('blobs', '--alpha=-1');
  assert.equal(v.code, 2);
  assert.match(v.stderr, /alpha must be a finite number in \[0, Infinity\], got number -1/);
  const t = lgm('bench', 'nothing');
  assert.equal(t.code, 2);
  assert.match(t.stderr, /bench: target must be one of .*head.*, got 'nothing'/);
});

test('lgm blobs --json trains and reports accuracy and log-likelihoods', () => {
  const r = lgm('blobs', '--epochs', '8', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
  assert.ok(out.accuracy > 0.9, `accuracy ${out.accuracy}`);
  assert.ok(out.inDistributionLogLikelihood > out.outOfDistributionLogLikelihood);
});
