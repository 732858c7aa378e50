/**
 * Build-time copy of the shipped 2-D L-GM model (the package's pretrained/mnist-lgm-2d, written by lgm export)
 * next to the page, so "Start from the trained model" loads it with no network beyond the app's own server.
 * When the folder is absent, a stale copy is removed and the page says the model is not shipped.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

/** The name of the model the app starts from, under pretrained/. */
export const TRAINED_MODEL = 'mnist-lgm-2d';

/** Copies `<pretrainedDir>/mnist-lgm-2d` to `<outDir>/pretrained/mnist-lgm-2d` (or removes the copy). */
export function copyTrainedModel(pretrainedDir: string, outDir: string): boolean {
  const from = join(pretrainedDir, TRAINED_MODEL);
  const to = join(outDir, 'pretrained', TRAINED_MODEL);
  rmSync(to, { recursive: true, force: true });
  if (!existsSync(join(from, 'model.json'))) return false;
  cpSync(from, to, { recursive: true });
  return true;
}

/** Vite plugin: copies the model when the dev server or a build starts (before the public folder is listed). */
export function trainedModelPlugin(options: { pretrainedDir: string; outDir: string }): Plugin {
  return {
    name: 'lgm-trained-model',
    config() {
      copyTrainedModel(options.pretrainedDir, options.outDir);
    },
  };
}
