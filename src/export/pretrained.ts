/**
 * Models shipped with lgm: each a directory written by `lgm export` under the package's `pretrained/` folder
 * (or the folder named by $LGM_PRETRAINED_DIR), used by name: `lgm eval --run pretrained:mnist-lgm-2d`,
 * `loadPretrained('mnist-lgm-2d')`. Nothing is downloaded: a name that is not there is an error listing those
 * that are.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LgmError } from '../util/errors.js';
import { type LgmModel, loadLgmModel } from './lgm-model.js';

/** The environment variable that overrides the folder of shipped models. */
export const PRETRAINED_ENV = 'LGM_PRETRAINED_DIR';
/** The prefix of a pretrained model where a run directory is expected (`--run pretrained:<name>`). */
export const PRETRAINED_PREFIX = 'pretrained:';

/** The folder of shipped models: $LGM_PRETRAINED_DIR, else `pretrained/` at the package root. */
export function pretrainedDir(): string {
  const fromEnv = process.env[PRETRAINED_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // This file is dist/src/export/pretrained.js in the package.
  return fileURLToPath(new URL('../../../pretrained', import.meta.url));
}

/** Names of the models in `dir` (subdirectories holding a model.json), sorted. */
export function listPretrained(dir = pretrainedDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model.json')))
    .map((e) => e.name)
    .sort();
}

/** The directory of the shipped model `name`; throws naming the available ones when it is not there. */
export function resolvePretrained(name: string, dir = pretrainedDir()): string {
  const names = listPretrained(dir);
  if (!names.includes(name)) {
    const available = names.length === 0 ? `none are installed in ${dir}` : `available: ${names.join(', ')}`;
    throw new LgmError(
      `pretrained: no model '${name}' (${available}; set $${PRETRAINED_ENV} to another folder, or make one with lgm export --run <run> --out <folder>/<name>)`,
    );
  }
  return join(dir, name);
}

/** Loads a shipped model by name (see loadLgmModel). `dir` defaults to pretrainedDir(). */
export async function loadPretrained(name: string, options: { dir?: string } = {}): Promise<LgmModel> {
  return loadLgmModel(resolvePretrained(name, options.dir));
}
