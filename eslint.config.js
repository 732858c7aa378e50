import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering of src/: a folder imports only folders below it. `folders` are the src/ folders a folder must not
 * import; `node` bans node: built-ins (the browser-safe core), `nodeFiles` lists the files allowed them anyway.
 */
const LAYERS = [
  { dir: 'util', folders: ['*'], node: true, nodeFiles: ['version.ts'] },
  { dir: 'gm', folders: ['*'], allow: ['util'], node: true },
  { dir: 'losses', folders: ['*'], allow: ['util', 'gm'], node: true },
  { dir: 'nets', folders: ['*'], allow: ['util'], node: true },
  { dir: 'layers', folders: ['*'], allow: ['util', 'gm', 'losses', 'nets'], node: true },
  { dir: 'io', folders: ['*'], allow: ['util'] },
  { dir: 'native', folders: ['*'], allow: ['util', 'gm'] },
  // Files that read datasets or run files from disk; the rest of these folders stays browser-safe.
  {
    dir: 'data',
    folders: ['*'],
    allow: ['util', 'io'],
    node: true,
    nodeFiles: ['files.ts', 'mnist.ts', 'cifar.ts'],
  },
  {
    dir: 'attacks',
    folders: ['train', 'cli', 'reproduce', 'viz', 'export', 'backend', 'native', 'examples', 'detect'],
    node: true,
    nodeFiles: ['io.ts'],
  },
  {
    dir: 'detect',
    folders: ['train', 'cli', 'reproduce', 'viz', 'export', 'backend', 'native', 'examples'],
    node: true,
    nodeFiles: ['mixture-file.ts'],
  },
  { dir: 'backend', folders: ['train', 'cli', 'reproduce', 'viz', 'export', 'detect', 'attacks'] },
  { dir: 'examples', folders: ['train', 'cli', 'reproduce', 'viz', 'export', 'backend', 'native'] },
  { dir: 'viz', folders: ['train', 'cli', 'reproduce', 'export'] },
  { dir: 'train', folders: ['cli', 'reproduce', 'viz', 'export'] },
  { dir: 'export', folders: ['cli', 'reproduce', 'viz'] },
  { dir: 'reproduce', folders: ['cli'] },
];
// Every src/ folder ('*' in LAYERS bans all but the listed `allow`).
const FOLDERS = ['util', 'gm', 'losses', 'nets', 'layers', 'io', 'native', 'data', 'attacks', 'detect'];
FOLDERS.push('backend', 'examples', 'viz', 'train', 'export', 'reproduce', 'cli', 'run');

function layerRules({ dir, folders, allow = [], node = false, nodeFiles = [] }) {
  const banned = folders[0] === '*' ? FOLDERS.filter((f) => f !== dir && !allow.includes(f)) : folders;
  const folderPattern = {
    regex: `^(\\.\\./)+(${banned.join('|')})(/|$)`,
    message: `src/${dir} sits below these folders and must not import them (see LAYERS in eslint.config.js).`,
  };
  const nodePattern = {
    regex: '^node:',
    message: `src/${dir} is part of the browser-safe core: no Node built-ins.`,
  };
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
  const files = [`src/${dir}/**/*.ts`];
  const blocks = [{ files, rules: rule(node ? [folderPattern, nodePattern] : [folderPattern]) }];
  if (node && nodeFiles.length > 0) {
    blocks.push({ files: nodeFiles.map((f) => `src/${dir}/${f}`), rules: rule([folderPattern]) });
  }
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'runs/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `||` for defaults silently replaces 0 and '' (a valid alpha of 0, say): defaults use `??`.
      '@typescript-eslint/prefer-nullish-coalescing': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...LAYERS.flatMap(layerRules),
  // web/ is a client of the package: its app, tests and tools import lgm, lgm/core, ..., never a file of src/ by a
  // relative path (web/build, Vite's config-time plugins, still may: they run before any build of the package).
  ...[1, 2, 3].map((depth) => ({
    files: [`web/${'*/'.repeat(depth)}*.ts`],
    ignores: ['web/build/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^(\\.\\./){${depth + 1}}`, message: 'web/ imports lgm or lgm/core, not src/ files.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
