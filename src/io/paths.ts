import { isAbsolute, join, normalize, sep } from 'node:path';
import { LgmError } from '../util/errors.js';

/**
 * The path of `name` inside `dir`, for a name read from a file or a flag (a weights file named by model.json,
 * the data file of an adversarial set, an adversarial set's name). The name must stay inside `dir`: relative,
 * no `..` component, no NUL; `./x` and `a/b` (a sub-directory) are fine. `source` says where the name came
 * from for the error, e.g. `model.json weightsManifest[0].paths[0]`.
 */
export function confinedPath(where: string, dir: string, name: unknown, source: string): string {
  const ok =
    typeof name === 'string' &&
    name !== '' &&
    !name.includes('\0') &&
    !isAbsolute(name) &&
    !/^[A-Za-z]:/.test(name) &&
    !name.split(/[\\/]/).includes('..');
  const inside = ok ? normalize(name) : '';
  if (!ok || inside === '.' || inside.startsWith(`..${sep}`) || inside === '..') {
    throw new LgmError(
      `${where}: ${source} must be a file name inside ${dir} (no '..', not absolute), got ${JSON.stringify(name)}`,
    );
  }
  return join(dir, inside);
}

/** A plain file name (letters, digits, '_', '.', '-'; not '.' or '..'), e.g. an adversarial set's name. */
export function checkFileName(where: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw new LgmError(
      `${where}: ${what} must be a plain file name (letters, digits, '_', '.' or '-'), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
