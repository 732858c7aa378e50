import type { Plugin } from 'vite';

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'crypto',
  'zlib',
  'url',
  'module',
  'child_process',
  'util',
]);

/**
 * Fails the build when browser code imports a Node built-in (src/io and src/data read files with node:fs):
 * the app imports lgm through its browser-safe entry `lgm/core` (src/core.ts), never src/index.ts. A guard at
 * bundle time beside test/core.test.ts, which checks the entry's import graph in Node.
 */
export function browserOnlyPlugin(): Plugin {
  return {
    name: 'lgm-browser-only',
    enforce: 'pre',
    resolveId(id, importer) {
      const bare = id.startsWith('node:') ? id.slice(5) : id;
      if (id.startsWith('node:') || NODE_BUILTINS.has(bare)) {
        // Dependencies (tfjs) guard their Node branches themselves and map them away in package.json.
        if (importer !== undefined && !importer.includes('/node_modules/')) {
          this.error(
            `browser bundle: ${importer} imports the Node module '${id}'; import lgm through 'lgm/core' only`,
          );
        }
      }
      return null;
    },
  };
}
