import { readFile } from 'node:fs/promises';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { fileError, isFsError } from '../io/fs-errors.js';
import { LgmError, describe } from '../util/errors.js';

/** A run file that is absent: callers that treat a file as optional catch exactly this class. */
export class MissingFileError extends LgmError {
  constructor(
    where: string,
    readonly file: string,
    hint = '',
  ) {
    super(`${where}: ${file} must exist${hint === '' ? '' : ` (${hint})`}, got no such file`);
    this.name = 'MissingFileError';
  }
}

/** Whether `error` says a run file is absent (see MissingFileError). */
export function isMissingFile(error: unknown): error is MissingFileError {
  return error instanceof MissingFileError;
}

/**
 * Reads a file's text. An absent file is a MissingFileError, any other failure `cannot read <file>: <reason>`.
 * `hint` says what writes the file, for the missing-file message (e.g. 'run lgm attack first').
 */
export async function readTextFile(file: string, where: string, hint = ''): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isFsError(error) && error.code === 'ENOENT') throw new MissingFileError(where, file, hint);
    throw fileError('read', file, error);
  }
}

/**
 * Reads and parses a JSON file: the one reader of every JSON file of a run directory. Errors name the function
 * and the file: `<where>: <file> must exist, got no such file` (a MissingFileError) and
 * `<where>: <file> must be valid JSON (truncated or corrupt), got <parser message>`.
 */
export async function readJsonFile(file: string, where: string, hint = ''): Promise<unknown> {
  const text = await readTextFile(file, where, hint);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LgmError(
      `${where}: ${file} must be valid JSON (truncated or corrupt), got ${(error as Error).message}`,
    );
  }
}

/** Like readJsonFile, but null when the file is absent (an optional run file). */
export async function readOptionalJsonFile(file: string, where: string): Promise<unknown> {
  try {
    return await readJsonFile(file, where);
  } catch (error) {
    if (isMissingFile(error)) return null;
    throw error;
  }
}

/** Writes a JSON file atomically (temp file, then rename), so readers never see half a file. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFileAtomicAsync(file, JSON.stringify(value, null, 1) + '\n');
}

/** Writes a JSON file atomically as one line (large files: adversarial sets, detection tables). */
export async function writeJsonLine(file: string, value: unknown): Promise<void> {
  await writeFileAtomicAsync(file, JSON.stringify(value) + '\n');
}

/**
 * The error thrower of one file's checks: `bad('means must be ...', value)` throws
 * `<where>: <file> means must be ..., got <value described>`.
 */
/** A value for an error message: describe's words, and an object as its (shortened) JSON. */
function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return describe(value);
  const json = JSON.stringify(value);
  return json.length <= 80 ? json : `${json.slice(0, 77)}...`;
}

export type Problem = (what: string, got: unknown) => never;

export function fileProblem(where: string, file: string): Problem {
  return (what, got) => {
    throw new LgmError(`${where}: ${file === '' ? '' : `${file} `}${what}, got ${describeValue(got)}`);
  };
}

/** The value as a JSON object, or `<where>: <file> <what> must be a JSON object, got ...`. */
export function objectOf(
  where: string,
  file: string,
  value: unknown,
  what?: string,
): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fileProblem(where, file)(
      what === undefined ? 'must hold a JSON object' : `${what} must be a JSON object`,
      value,
    );
  }
  return value as Record<string, unknown>;
}
