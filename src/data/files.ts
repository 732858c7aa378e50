import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { LgmError } from '../util/errors.js';

/** The largest data file lgm reads (2 GiB; the biggest dataset file it knows, EMNIST, is ~550 MB). */
export const MAX_FILE_BYTES = 2 ** 31;

/**
 * How many bytes a file may hold, judged from its first bytes (e.g. an IDX header's declared shape), or null
 * while more bytes are needed to tell.
 */
export type SizeLimit = (head: Uint8Array) => number | null;

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
export async function readMaybeGzip(where: string, path: string, limit?: SizeLimit): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) {
      throw new LgmError(`${where}: ${path} must be at most ${MAX_FILE_BYTES} bytes, got ${size}`);
    }
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof LgmError) throw error;
    throw new LgmError(`${where}: could not read ${path}: ${(error as Error).message}`);
  }
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return gunzipBounded(where, path, bytes, limit);
}

/**
 * Gunzips `bytes`, stopping as soon as the output exceeds what `limit` allows from its first bytes (at most
 * MAX_FILE_BYTES): a gzip bomb is rejected after a few kilobytes of output, not gigabytes. One byte past the
 * limit is kept so that the parser reports "bytes after the data".
 */
function gunzipBounded(
  where: string,
  path: string,
  bytes: Uint8Array,
  limit?: SizeLimit,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let max: number | null = null;
    let head = Buffer.alloc(0);
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (max === null && limit !== undefined) {
        head = Buffer.concat(chunks);
        max = limit(head);
        // Not this kind of file at all (wrong magic number): the parser names the problem from the head.
        if (max === 0) {
          gunzip.destroy();
          resolve(head);
          return;
        }
      }
      const bound = max ?? MAX_FILE_BYTES;
      if (bound > MAX_FILE_BYTES || total > bound + 1) {
        gunzip.destroy();
        const what =
          max === null ? `at most ${MAX_FILE_BYTES} bytes` : `the ${bound} bytes its header declares`;
        reject(
          new LgmError(
            bound > MAX_FILE_BYTES
              ? `${where}: ${path} must declare at most ${MAX_FILE_BYTES} bytes in its header, got ${bound} (corrupt)`
              : `${where}: ${path} must decompress to ${what}, got more (corrupt, a gzip bomb, or not this kind of file)`,
          ),
        );
      }
    });
    gunzip.on('error', (error) =>
      reject(new LgmError(`${where}: ${path} is not a valid gzip file: ${error.message}`)),
    );
    gunzip.on('end', () => resolve(Buffer.concat(chunks, total)));
    gunzip.end(bytes);
  });
}
