import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/package/ -> the repository root.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The folders whose file names follow the convention (build outputs and installed packages are skipped). */
const FOLDERS = ['src', 'test', 'web/src', 'web/test', 'web/tools', 'web/build', 'bench'];
const SKIPPED = new Set(['node_modules', 'dist', '.generated', 'test-artifacts']);

/** kebab-case: lowercase letters, digits, '-' and '.' (for extensions: `run-lock.ts`, `lgm.test.ts`). */
export const KEBAB_CASE = /^[a-z0-9][a-z0-9.-]*$/;

/** Every file and folder name under `dir`, as paths relative to ROOT. */
function walk(dir: string): string[] {
  const paths: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    paths.push(path);
    if (entry.isDirectory()) paths.push(...walk(path));
  }
  return paths;
}

test('the name pattern tells kebab-case from the other conventions', () => {
  for (const good of ['run-lock.ts', 'lgm.test.ts', 'idx-dataset.ts', 'lgm-recipe.py', 'am-softmax']) {
    assert.match(good, KEBAB_CASE);
  }
  for (const bad of [
    'idxDataset.ts',
    'GaussianMixture.ts',
    'lgm_recipe.py',
    'Lgm.test.ts',
    '-x.ts',
    'a b.ts',
  ]) {
    assert.doesNotMatch(bad, KEBAB_CASE);
  }
});

test('every file and folder under src/, test/, web/ and bench/ has a kebab-case name', () => {
  const paths = FOLDERS.flatMap(walk);
  // The walk found the tree (a wrong ROOT would find nothing and pass).
  assert.ok(paths.includes('src/index.ts') && paths.includes('test/package/file-names.test.ts'));
  assert.ok(paths.length > 200, `expected the whole tree, got ${paths.length} paths`);
  const offending = paths.filter((p) => !KEBAB_CASE.test(p.slice(p.lastIndexOf('/') + 1)));
  assert.deepEqual(offending, []);
});
