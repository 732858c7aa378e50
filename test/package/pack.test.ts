import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/package/ -> the repository root (where package.json and the built dist/src are).
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** One `import ... from 'lgm...'` shown in the docs: where, the specifier and the imported names. */
interface ShownImport {
  file: string;
  specifier: string;
  names: string[];
  typeOnly: boolean;
}

const IMPORT = /import\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+['"](lgm(?:\/[^'"]*)?)['"]/g;

/** The imports of 'lgm' and 'lgm/...' in the ts/js code blocks of README.md and docs/*.md, and in examples/. */
export function shownImports(root: string): ShownImport[] {
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const sources: { file: string; code: string }[] = [];
  for (const file of docs) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const block of text.matchAll(/```(?:ts|typescript|js|javascript|mjs)\n([\s\S]*?)```/g)) {
      sources.push({ file, code: block[1] });
    }
  }
  for (const f of readdirSync(join(root, 'examples')).filter((f) => /\.m?js$/.test(f))) {
    sources.push({ file: `examples/${f}`, code: readFileSync(join(root, 'examples', f), 'utf8') });
  }
  const found: ShownImport[] = [];
  for (const { file, code } of sources) {
    for (const m of code.matchAll(IMPORT)) {
      const clause = m[2];
      const names = clause.startsWith('{')
        ? clause
            .slice(1, -1)
            .split(',')
            .map((n) => n.trim().replace(/^type\s+/, ''))
            .filter((n) => n.length > 0)
        : [];
      found.push({ file, specifier: m[3], names, typeOnly: m[1] !== undefined });
    }
  }
  return found;
}

function run(command: string, args: string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

const npm = run('npm', ['--version'], ROOT);
const tar = run('tar', ['--version'], ROOT);
const skip =
  npm.status !== 0
    ? `npm is not available (${npm.error?.message ?? npm.stderr})`
    : tar.status !== 0
      ? `tar is not available (${tar.error?.message ?? tar.stderr})`
      : false;

test(
  'every import of lgm shown in README.md, docs/ and examples/ works from the packed package',
  { skip },
  () => {
    const shown = shownImports(ROOT);
    assert.ok(shown.length >= 6, `found ${shown.length} imports of lgm in the docs`);
    const work = mkdtempSync(join(tmpdir(), 'lgm-pack-'));
    try {
      // npm pack runs offline; --ignore-scripts: the package's only script (install) builds the addon.
      const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
      assert.equal(pack.status, 0, `npm pack failed: ${pack.stderr}`);
      const tgz = join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
      // The install of the tarball itself, as npm would lay it out; its dependencies cannot be fetched offline, so
      // they are this checkout's (the same pinned versions), linked.
      const project = join(work, 'project');
      const modules = join(project, 'node_modules');
      mkdirSync(join(modules, 'lgm'), { recursive: true });
      for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
        if (entry !== 'lgm' && !entry.startsWith('.'))
          symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
      }
      const untar = run('tar', ['-xzf', tgz, '-C', join(modules, 'lgm'), '--strip-components=1'], work);
      assert.equal(untar.status, 0, `tar failed: ${untar.stderr}`);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'docs-check', type: 'module', private: true }),
      );

      // Runtime: one module importing every value shown (a missing export or a blocked subpath fails at link time).
      const bySpecifier = new Map<string, Set<string>>();
      for (const s of shown) {
        const names = bySpecifier.get(s.specifier) ?? new Set<string>();
        if (!s.typeOnly) s.names.forEach((n) => names.add(n));
        bySpecifier.set(s.specifier, names);
      }
      const specifiers = [...bySpecifier];
      const alias = (i: number, name: string) => `v${i}_${name}`;
      const lines = specifiers.map(([spec, names], i) =>
        names.size > 0
          ? `import { ${[...names].map((n) => `${n} as ${alias(i, n)}`).join(', ')} } from '${spec}';`
          : `import * as m${i} from '${spec}';`,
      );
      const allNames = specifiers.flatMap(([, names], i) => [...names].map((n) => alias(i, n)));
      const check = `${lines.join('\n')}\nfor (const v of [${allNames.join(', ')}]) if (v === undefined) throw new Error('undefined export');\nconsole.log('imports ok');\n`;
      writeFileSync(join(project, 'check.mjs'), check);
      const node = run(process.execPath, ['check.mjs'], project);
      assert.equal(node.status, 0, `the docs' imports fail at runtime:\n${check}\n${node.stderr}`);
      assert.match(node.stdout, /imports ok/);

      // Types: the same imports (type-only ones included) compile against the package's declarations.
      const tsLines = shown.map((s, i) =>
        s.names.length > 0
          ? `import ${s.typeOnly ? 'type ' : ''}{ ${s.names.map((n) => `${n} as n${i}_${n}`).join(', ')} } from '${s.specifier}';`
          : `import * as t${i} from '${s.specifier}';`,
      );
      const used = shown.flatMap((s, i) => (s.typeOnly ? [] : s.names.map((n) => `n${i}_${n}`)));
      writeFileSync(
        join(project, 'check.ts'),
        `${tsLines.join('\n')}\nexport const all = [${used.join(', ')}];\n`,
      );
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            lib: ['ES2022', 'DOM'],
          },
          files: ['check.ts'],
        }),
      );
      const tsc = run(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project],
        project,
      );
      assert.equal(tsc.status, 0, `the docs' imports do not compile:\n${tsLines.join('\n')}\n${tsc.stdout}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
