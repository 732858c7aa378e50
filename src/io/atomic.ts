import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { fileError, isFsError, writing, writingSync } from './fs-errors.js';

/** A fresh temporary name beside `path` (same directory, so the final rename is atomic). */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Flushes a directory's entries (a rename or a new file in it) to disk. Some file systems cannot fsync a
 * directory (EINVAL, EISDIR on a few); the data itself was already flushed, so that is not an error.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    throw fileError('write', dir, error);
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!isFsError(error) || !['EINVAL', 'EISDIR', 'ENOTSUP', 'EBADF'].includes(error.code)) {
      throw fileError('write', dir, error);
    }
  } finally {
    closeSync(fd);
  }
}

/** Whether `path` is a directory (not following a final symbolic link). */
function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes a file atomically and durably: the bytes go to a new temporary file in the same directory (created
 * exclusively, so never through a link), are flushed to disk, the temporary file is renamed over the target
 * (a symbolic link at the target is replaced, not followed) and the directory is flushed. A crash leaves
 * either the old file or the new one, never half; a failure removes the temporary file and throws
 * `cannot write <path>: <reason>`.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  if (isDirectory(path)) throw new LgmError(`cannot write ${path}: is a directory (EISDIR)`);
  const tmp = tempName(path);
  writingSync(path, () => {
    const fd = openSync(tmp, 'wx', 0o644);
    let open = true;
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
      open = false;
      closeSync(fd);
      renameSync(tmp, path);
    } catch (error) {
      if (open) closeSync(fd);
      rmSync(tmp, { force: true });
      throw error;
    }
  });
  fsyncDirectory(dirname(path));
}

/** The async form of writeFileAtomic (reports, pictures, adversarial sets, run files): same guarantees. */
export async function writeFileAtomicAsync(path: string, data: Uint8Array | string): Promise<void> {
  if (
    await lstat(path).then(
      (s) => s.isDirectory(),
      () => false,
    )
  ) {
    throw new LgmError(`cannot write ${path}: is a directory (EISDIR)`);
  }
  const tmp = tempName(path);
  await writing(path, async () => {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      await rename(tmp, path);
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(tmp, { force: true });
      throw error;
    }
  });
  fsyncDirectory(dirname(path));
}

/**
 * Checks before long work that `path` can be written: its directory exists and takes a new file, and `path`
 * itself is not a directory. Throws `cannot write <path>: <reason>` otherwise.
 */
export function checkWritable(path: string): void {
  if (isDirectory(path)) throw new LgmError(`cannot write ${path}: is a directory (EISDIR)`);
  const probe = tempName(path);
  writingSync(path, () => {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  });
}
