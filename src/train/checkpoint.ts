import { mkdir, readFile, readdir, rename, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';

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

export const CHECKPOINT_DIR = 'checkpoint';
const OLD_DIR = 'checkpoint.old';
const TMP_PREFIX = 'checkpoint.tmp-';

/** Hooks for tests: `beforeRename` runs after the temp dir is complete and before it replaces the checkpoint. */
export interface CheckpointHooks {
  beforeRename?: () => void | Promise<void>;
}

/**
 * Writes `tensors` (float32, any shapes) and `state` as `<runDir>/checkpoint/` atomically: everything goes to a
 * fresh temp dir first, then the current checkpoint moves to checkpoint.old, the temp dir is renamed into place
 * and the old one removed. A crash at any point leaves a complete checkpoint (or checkpoint.old) to read.
 * Files: tensors.bin (little-endian float32, concatenated), tensors.json (names, shapes, offsets), state.json.
 */
export async function writeCheckpoint(
  runDir: string,
  tensors: Record<string, tf.Tensor>,
  state: Record<string, unknown>,
  hooks: CheckpointHooks = {},
): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const tmp = await mkdtemp(join(runDir, TMP_PREFIX));
  const manifest: ManifestEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const values = (await t.data()) as Float32Array;
    manifest.push({ name, shape: [...t.shape], offset });
    chunks.push(Float32Array.from(values));
    offset += values.length;
  }
  const bin = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.length;
  }
  await writeFile(join(tmp, 'tensors.bin'), new Uint8Array(bin.buffer));
  await writeFile(
    join(tmp, 'tensors.json'),
    JSON.stringify({ format: 'lgm-checkpoint-1', tensors: manifest }),
  );
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state, null, 2));
  await hooks.beforeRename?.();
  const current = join(runDir, CHECKPOINT_DIR);
  const old = join(runDir, OLD_DIR);
  // A previous crash between the renames left only checkpoint.old: put it back before replacing it.
  if (!existsSync(current) && existsSync(old)) await rename(old, current);
  await rm(old, { recursive: true, force: true });
  if (existsSync(current)) await rename(current, old);
  await rename(tmp, current);
  await rm(old, { recursive: true, force: true });
}

function corrupt(file: string, what: string): LgmError {
  return new LgmError(`readCheckpoint: ${file} ${what}`);
}

async function readDir(dir: string): Promise<Checkpoint> {
  const manifestFile = join(dir, 'tensors.json');
  const binFile = join(dir, 'tensors.bin');
  const stateFile = join(dir, 'state.json');
  const parse = async (file: string) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw corrupt(file, 'is missing');
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw corrupt(file, 'is not valid JSON (truncated or corrupt)');
    }
  };
  const manifest = (await parse(manifestFile)) as { format?: string; tensors?: ManifestEntry[] };
  if (manifest?.format !== 'lgm-checkpoint-1' || !Array.isArray(manifest.tensors)) {
    throw corrupt(manifestFile, "must be {format: 'lgm-checkpoint-1', tensors: [...]}");
  }
  const state = (await parse(stateFile)) as Record<string, unknown>;
  let bytes: Buffer;
  try {
    bytes = await readFile(binFile);
  } catch {
    throw corrupt(binFile, 'is missing');
  }
  const total = manifest.tensors.reduce(
    (n, e) => Math.max(n, e.offset + e.shape.reduce((a, b) => a * b, 1)),
    0,
  );
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

/** Removes temp dirs left by a crash while writing (called when a run resumes). */
export async function removeStaleTemps(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  for (const name of await readdir(runDir)) {
    if (name.startsWith(TMP_PREFIX)) await rm(join(runDir, name), { recursive: true, force: true });
  }
}
