import { mkdir, open, readFile, readdir, rename, rm, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { fsyncDirectory } from '../io/atomic.js';
import { writing } from '../io/fs-errors.js';
import { LgmError } from '../util/errors.js';
import { readJsonFile } from './json-file.js';
import { CHECKPOINT_DIR, CHECKPOINT_OLD_DIR, CHECKPOINT_TMP_PREFIX } from './layout.js';

/** A tensor as stored in a checkpoint. */
export interface StoredTensor {
  shape: number[];
  values: Float32Array;
}

/** A checkpoint as read back: named float32 tensors and the JSON state. */
export interface Checkpoint {
  tensors: Map<string, StoredTensor>;
  state: Record<string, unknown>;
  /** The directory it was read from. */
  dir: string;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
}

const OLD_DIR = CHECKPOINT_OLD_DIR;
/** The most float32 values a checkpoint may hold (4 GiB of weights): bounds what a corrupt manifest asks for. */
const MAX_VALUES = 2 ** 30;

/**
 * Hooks for tests. `beforeRename` runs after the temp dir is complete and before it replaces the checkpoint;
 * `beforeOperation` runs before every file operation with its name (fault-injection tests kill the process at
 * each one).
 */
export interface CheckpointHooks {
  /** Runs once the temp dir is complete, before it replaces the checkpoint. */
  beforeRename?: () => void | Promise<void>;
  /** Runs before every file operation, with its name. */
  beforeOperation?: (operation: string) => void | Promise<void>;
}

/** Thrown by writeCheckpoint for a tensor holding NaN or Infinity (the trainer says which step went bad). */
export class NonFiniteCheckpointError extends LgmError {
  constructor(readonly tensor: string) {
    super(`writeCheckpoint: every tensor must be finite, got NaN or Infinity in ${tensor}`);
  }
}

async function writeDurably(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `tensors` (float32, any shapes) and `state` as `<runDir>/checkpoint/` atomically and durably: every
 * file goes to a fresh temp dir and is flushed to disk with the dir, then the current checkpoint moves to
 * checkpoint.old, the temp dir is renamed into place, the old one removed and the run directory flushed. A
 * crash or power loss at any point leaves a complete checkpoint (or checkpoint.old) to read. Refuses tensors
 * holding NaN or Infinity (NonFiniteCheckpointError): the last good checkpoint is kept. A failed write removes
 * its temp dir and throws `cannot write <path>: <reason>`.
 * Files: tensors.bin (little-endian float32, concatenated), tensors.json (names, shapes, offsets), state.json.
 */
export async function writeCheckpoint(
  runDir: string,
  tensors: Record<string, tf.Tensor>,
  state: Record<string, unknown>,
  hooks: CheckpointHooks = {},
): Promise<void> {
  const manifest: ManifestEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const values = (await t.data()) as Float32Array;
    if (!values.every(Number.isFinite)) throw new NonFiniteCheckpointError(name);
    manifest.push({ name, shape: [...t.shape], offset });
    chunks.push(values);
    offset += values.length;
  }
  const bin = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.length;
  }
  const step = async (operation: string, fn: () => Promise<unknown> | void) => {
    await hooks.beforeOperation?.(operation);
    await fn();
  };
  const current = join(runDir, CHECKPOINT_DIR);
  await writing(current, async () => {
    await step('mkdir run', () => mkdir(runDir, { recursive: true }));
    let tmp = '';
    await step('mkdtemp', async () => (tmp = await mkdtemp(join(runDir, CHECKPOINT_TMP_PREFIX))));
    try {
      await step('write tensors.bin', () =>
        writeDurably(join(tmp, 'tensors.bin'), new Uint8Array(bin.buffer)),
      );
      const json = JSON.stringify({ format: 'lgm-checkpoint-1', tensors: manifest });
      await step('write tensors.json', () => writeDurably(join(tmp, 'tensors.json'), json));
      await step('write state.json', () =>
        writeDurably(join(tmp, 'state.json'), JSON.stringify(state, null, 2)),
      );
      await step('fsync temp dir', () => fsyncDirectory(tmp));
      await hooks.beforeRename?.();
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    const old = join(runDir, OLD_DIR);
    // A previous crash between the renames left only checkpoint.old: put it back before replacing it.
    if (!existsSync(current) && existsSync(old)) await step('restore old', () => rename(old, current));
    await step('remove old', () => rm(old, { recursive: true, force: true }));
    if (existsSync(current)) await step('rename current to old', () => rename(current, old));
    await step('rename temp to current', () => rename(tmp, current));
    await step('fsync run dir', () => fsyncDirectory(runDir));
    await step('remove old after', () => rm(old, { recursive: true, force: true }));
  });
}

function corrupt(file: string, what: string): LgmError {
  return new LgmError(`readCheckpoint: ${file} ${what}`);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Validates tensors.json before any tensor is made: unique names, shapes of non-negative integers, offsets that
 * start at 0 and follow each other without gap or overlap. Resolves to the number of float32 values described.
 */
function checkManifest(file: string, entries: unknown[]): number {
  const names = new Set<string>();
  let next = 0;
  entries.forEach((value, i) => {
    const e = value as ManifestEntry;
    const at = `tensors[${i}]`;
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || e.name === '') {
      throw corrupt(file, `${at} must have a non-empty string name, got ${JSON.stringify(value)}`);
    }
    if (names.has(e.name)) throw corrupt(file, `${at} name must be unique, got '${e.name}' twice`);
    names.add(e.name);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
      throw corrupt(
        file,
        `${at} (${e.name}) shape must be non-negative integers, got ${JSON.stringify(e.shape)}`,
      );
    }
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset !== next) {
      throw corrupt(
        file,
        `${at} (${e.name}) offset must be ${next} (tensors stored one after another), got ${JSON.stringify(e.offset)}`,
      );
    }
    next += size;
    if (next > MAX_VALUES) throw corrupt(file, `must describe at most ${MAX_VALUES} values, got more`);
  });
  return next;
}

async function readDir(dir: string): Promise<Checkpoint> {
  const manifestFile = join(dir, 'tensors.json');
  const binFile = join(dir, 'tensors.bin');
  const stateFile = join(dir, 'state.json');
  const parse = (file: string) => readJsonFile(file, 'readCheckpoint', 'a checkpoint holds it');
  const manifest = (await parse(manifestFile)) as { format?: string; tensors?: ManifestEntry[] };
  if (manifest?.format !== 'lgm-checkpoint-1' || !Array.isArray(manifest.tensors)) {
    throw corrupt(manifestFile, "must be {format: 'lgm-checkpoint-1', tensors: [...]}");
  }
  const total = checkManifest(manifestFile, manifest.tensors);
  const state = (await parse(stateFile)) as Record<string, unknown>;
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw corrupt(stateFile, `must hold a JSON object, got ${JSON.stringify(state)}`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(binFile);
  } catch {
    throw corrupt(binFile, 'is missing');
  }
  if (bytes.length !== total * 4) {
    throw corrupt(
      binFile,
      `must hold ${total * 4} bytes (${total} float32 values), got ${bytes.length} bytes`,
    );
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const tensors = new Map<string, StoredTensor>();
  for (const e of manifest.tensors) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    tensors.set(e.name, { shape: e.shape, values: all.subarray(e.offset, e.offset + size) });
  }
  return { tensors, state, dir };
}

/**
 * Reads the run's checkpoint: `checkpoint/`, or `checkpoint.old/` when a crash came between the two renames.
 * Resolves to null when the run has none. Leftover temp dirs (a crash while writing) are ignored.
 */
export async function readCheckpoint(runDir: string): Promise<Checkpoint | null> {
  for (const name of [CHECKPOINT_DIR, OLD_DIR]) {
    const dir = join(runDir, name);
    if (existsSync(dir)) return readDir(dir);
  }
  return null;
}

/**
 * Removes what a crash while writing left (called when a run resumes, under the run's lock): temp dirs, and
 * checkpoint.old when the new checkpoint is already in place.
 */
export async function removeStaleTemps(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  const current = existsSync(join(runDir, CHECKPOINT_DIR));
  for (const name of await readdir(runDir)) {
    if (name.startsWith(CHECKPOINT_TMP_PREFIX) || (current && name === OLD_DIR)) {
      await writing(join(runDir, name), () => rm(join(runDir, name), { recursive: true, force: true }));
    }
  }
}
