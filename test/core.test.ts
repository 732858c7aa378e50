import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/core.js (this file runs from dist/test/). */
const CORE = resolve(here, '..', 'src', 'core.js');
const ROOT = resolve(here, '..', '..');
const BUILTINS = new Set(builtinModules);

/** Module specifiers of static imports, re-exports, side-effect imports and dynamic imports in JS source. */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|[;\s])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[;\s])import\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** Every module reachable from `entry` through relative imports, and the bare specifiers each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (graph.has(file)) continue;
    const specs = specifiers(readFileSync(file, 'utf8'));
    graph.set(
      file,
      specs.filter((s) => !s.startsWith('.')),
    );
    for (const s of specs) if (s.startsWith('.')) todo.push(resolve(dirname(file), s));
  }
  return graph;
}

test('specifiers finds every kind of import', () => {
  const source = [
    "import * as tf from '@tensorflow/tfjs-core';",
    "import '../gm/gradients.js';",
    "export { a } from './a.js';",
    "import { readFile } from 'node:fs/promises';",
    "const m = await import('child_process');",
    'import {\n  b,\n  c,\n} from "path";',
  ].join('\n');
  assert.deepEqual(specifiers(source).sort(), [
    '../gm/gradients.js',
    './a.js',
    '@tensorflow/tfjs-core',
    'child_process',
    'node:fs/promises',
    'path',
  ]);
});

test('lgm/core imports no Node built-in anywhere in its import graph', () => {
  const graph = importGraph(CORE);
  assert.ok(graph.size > 50, `the graph holds ${graph.size} modules`);
  const offending: string[] = [];
  for (const [file, bare] of graph) {
    for (const s of bare) {
      if (s.startsWith('node:') || BUILTINS.has(s) || BUILTINS.has(s.split('/')[0])) {
        offending.push(`${file.slice(ROOT.length + 1)} imports '${s}'`);
      }
    }
  }
  assert.deepEqual(offending, []);
  // The walk itself can fail: the root entry reaches node:fs.
  const root = importGraph(resolve(here, '..', 'src', 'index.js'));
  assert.ok([...root.values()].some((bare) => bare.some((s) => s.startsWith('node:'))));
});

test('package.json exports lgm/core as dist/src/core.js with its types', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; import: string }>;
  };
  assert.deepEqual(pkg.exports['./core'], {
    types: './dist/src/core.d.ts',
    import: './dist/src/core.js',
  });
});
