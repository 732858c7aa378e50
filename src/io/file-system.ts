import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';
import { checkWeightsManifest } from './manifest.js';
import { confinedPath } from './paths.js';
import { writingSync } from './fs-errors.js';

const MODEL_FILE = 'model.json';
const PREFIX = 'file://';

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const joined = Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  return new Uint8Array(joined);
}

function readJson(where: string, path: string): tf.io.ModelJSON {
  if (!existsSync(path))
    throw new LgmError(`${where}: ${path} does not exist (expected a saved model directory)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new LgmError(`${where}: ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || !('modelTopology' in parsed)) {
    throw new LgmError(`${where}: ${path} has no modelTopology: not a TF.js model.json`);
  }
  return parsed as tf.io.ModelJSON;
}

/**
 * A TF.js IOHandler that saves a model to a directory on disk and loads it back, without tfjs-node.
 * Layout: `model.json` (the standard TF.js format) and one weights file named by the content hash. The weights
 * file is written first and `model.json` last, both atomically, so `model.json` always names complete weights:
 * an interrupted save leaves the previous model loadable.
 */
export class FileSystemHandler implements tf.io.IOHandler {
  constructor(readonly directory: string) {}

  /** Writes the weights file, then model.json (each atomically); removes the weights it replaced. */
  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new LgmError('fileSystem.save: binary model topologies are not supported, got an ArrayBuffer');
    }
    writingSync(this.directory, () => mkdirSync(this.directory, { recursive: true }));
    const weights = toBytes(artifacts.weightData);
    const weightsFile = `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
    writeFileAtomic(join(this.directory, weightsFile), weights);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: [`./${weightsFile}`], weights: artifacts.weightSpecs ?? [] }],
    };
    if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
    if (artifacts.userDefinedMetadata !== undefined)
      modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
    writeFileAtomic(join(this.directory, MODEL_FILE), JSON.stringify(modelJson));
    // Only now is the old weights file unreferenced.
    for (const name of readdirSync(this.directory)) {
      if (/^weights-[0-9a-f]{16}\.bin$/.test(name) && name !== weightsFile)
        writingSync(join(this.directory, name), () => rmSync(join(this.directory, name)));
    }
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  /** Reads model.json and its weights, checking that the weights have the bytes the manifest names. */
  async load(): Promise<tf.io.ModelArtifacts> {
    const where = 'fileSystem.load';
    const jsonPath = join(this.directory, MODEL_FILE);
    const modelJson = readJson(where, jsonPath);
    const expected = checkWeightsManifest(where, jsonPath, modelJson.weightsManifest);
    return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      manifest.forEach((group, g) => {
        specs.push(...group.weights);
        group.paths.forEach((path, i) => {
          const source = `${jsonPath} weightsManifest[${g}].paths[${i}]`;
          const file = confinedPath(where, this.directory, path, source);
          if (!existsSync(file)) throw new LgmError(`${where}: ${file} is missing (named by ${jsonPath})`);
          const size = statSync(file).size;
          if (size > expected) {
            throw new LgmError(
              `${where}: ${file} has ${size} bytes, more than the ${expected} of all weights in ${jsonPath} (corrupt)`,
            );
          }
          buffers.push(readFileSync(file));
        });
      });
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      if (total !== expected) {
        throw new LgmError(
          `${where}: weights in ${this.directory} have ${total} bytes, expected ${expected} from ${jsonPath} (truncated or corrupt)`,
        );
      }
      const joined = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        joined.set(b, offset);
        offset += b.byteLength;
      }
      return [specs, joined.buffer];
    });
  }
}

/** An IOHandler for a directory path (with or without the file:// prefix). */
export function fileSystem(path: string): FileSystemHandler {
  return new FileSystemHandler(path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path);
}

let registered = false;

/** Lets `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work in Node. Idempotent. */
export function registerFileSystemRouter(): void {
  if (registered) return;
  registered = true;
  const router = (url: string | string[]) => {
    if (Array.isArray(url) || !url.startsWith(PREFIX)) return null;
    const path = url.slice(PREFIX.length);
    return fileSystem(path.endsWith(`/${MODEL_FILE}`) ? path.slice(0, -MODEL_FILE.length - 1) : path);
  };
  // The router contract allows null ("not mine"); the published type does not say so.
  const asRouter = router as unknown as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(asRouter);
  tf.io.registerLoadRouter(asRouter);
}
