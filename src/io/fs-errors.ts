import { LgmError } from '../util/errors.js';

/** A Node file-system error (errno exception): what `fs` calls throw. */
export interface FsError extends Error {
  code: string;
  path?: string;
  syscall?: string;
}

/** Whether `error` is a Node file-system error (has a string `code` such as 'EACCES'). */
export function isFsError(error: unknown): error is FsError {
  const code = (error as { code?: unknown } | null)?.code;
  // errno codes (EACCES, ENOSPC, ...), not Node's own ERR_* codes.
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'is a symbolic link (or too many links)',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** The reason of a file-system error in words, with its code: `permission denied (EACCES)`. */
export function fsReason(error: unknown): string {
  if (!isFsError(error)) return error instanceof Error ? error.message : String(error);
  return `${REASONS[error.code] ?? error.message} (${error.code})`;
}

/**
 * The `cannot read|write <path>: <reason>` error for a failed file operation; an `LgmError` passes through
 * unchanged (it already says what is wrong). The CLI prints it as `lgm <cmd>: cannot write ...` with exit 2.
 */
export function fileError(action: 'read' | 'write', path: string, error: unknown): Error {
  if (error instanceof LgmError || !isFsError(error)) return error as Error;
  return new LgmError(`cannot ${action} ${path}: ${fsReason(error)}`);
}

/** Runs a file write, turning a file-system error into `cannot write <path>: <reason>`. */
export async function writing<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fileError('write', path, error);
  }
}

/** The synchronous form of `writing`. */
export function writingSync<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fileError('write', path, error);
  }
}
