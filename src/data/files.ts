import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { LgmError } from '../util/errors.js';

const gunzipAsync = promisify(gunzip);

/** Whether `path` exists and is readable. */
export async function readable(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The first of `names` (relative to `dir`) that exists, or undefined. */
export async function firstExisting(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const path = join(dir, name);
    if (await readable(path)) return path;
  }
  return undefined;
}

/**
 * Reads a whole file, gunzipping it when it starts with the gzip magic bytes (1f 8b), so that `.gz` and
 * plain copies of a file load the same way. Nothing is ever written next to the user's data.
 */
export async function readMaybeGzip(where: string, path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new LgmError(`${where}: could not read ${path}: ${(error as Error).message}`);
  }
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw new LgmError(`${where}: ${path} is not a valid gzip file: ${(error as Error).message}`);
  }
}
