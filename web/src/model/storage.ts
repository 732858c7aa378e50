/**
 * Saving and loading the trained network: IndexedDB (TF.js's indexeddb:// handler) and files (downloads:// to
 * export model.json + weights, browserFiles to import them). The app's own state (loss weights, batches
 * trained, calibration) travels in the model's user-defined metadata.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LgmModel, loadLgmModel } from 'lgm/core';
import { DigitNetwork, type InputNormalization, type LossWeights } from './network.js';
import type { Calibration } from './evaluate.js';

export const BROWSER_KEY = 'indexeddb://lgm-web-model';
export const EXPORT_NAME = 'lgm-web-model';

/** What the app stores beside the weights. */
export interface SavedState {
  weights: LossWeights;
  batches: number;
  calibration: Calibration | null;
  /** The input normalisation of a model trained by lgm in Node (absent or null: none). */
  normalization?: InputNormalization | null;
}

/** A loaded network, its state, and (for a model written by lgm export) the loader's view of the same model. */
export interface Loaded {
  net: DigitNetwork;
  state: SavedState;
  /** The export as loadLgmModel sees it (sharing the weights); null for the app's own saves. */
  exported: LgmModel | null;
}

/** Where "Start from the trained model" loads from: the shipped 2-D L-GM export, copied next to the page. */
export const TRAINED_MODEL_URL = './pretrained/mnist-lgm-2d/model.json';

function checkState(value: unknown, source: string): SavedState {
  const state = value as Partial<SavedState> | undefined;
  const ok =
    state !== undefined &&
    state !== null &&
    typeof state.batches === 'number' &&
    typeof state.weights?.alpha === 'number' &&
    typeof state.weights.lambda === 'number' &&
    (state.calibration === null ||
      (typeof state.calibration?.threshold === 'number' && Array.isArray(state.calibration.mixture?.means)));
  if (!ok) {
    throw new Error(
      `loading a model: ${source} has no app state (weights, batches, calibration) in its metadata`,
    );
  }
  return state as SavedState;
}

async function withState(net: DigitNetwork, state: SavedState, url: string): Promise<void> {
  net.model.setUserDefinedMetadata({ lgmWeb: state as unknown as object });
  await net.model.save(url);
}

function fromModel(model: tfl.LayersModel, source: string): Loaded {
  const meta = model.getUserDefinedMetadata() as { lgmWeb?: unknown } | undefined;
  const state = checkState(meta?.lgmWeb, source);
  return { net: DigitNetwork.fromModel(model, state.normalization ?? null), state, exported: null };
}

/** An lgm export as the app's network: its normalisation, its loss weights, recalibrated on evaluation. */
function fromExport(exported: LgmModel): Loaded {
  const meta = exported.metadata;
  const config = meta.source.config as { loss?: { options?: { alpha?: number; lambda?: number } } };
  const options = config.loss?.options ?? {};
  try {
    const net = DigitNetwork.fromModel(exported.model, meta.normalization);
    const state: SavedState = {
      weights: { alpha: options.alpha ?? 0, lambda: options.lambda ?? 0 },
      batches: meta.source.step ?? 0,
      calibration: null,
      normalization: meta.normalization,
    };
    return { net, state, exported };
  } catch (error) {
    exported.dispose();
    throw error;
  }
}

/** Whether a model.json (its text) was written by lgm export: its metadata has the `lgm` key. */
function isExport(json: string, name: string): boolean {
  try {
    const parsed = JSON.parse(json) as { userDefinedMetadata?: { lgm?: unknown } };
    return parsed.userDefinedMetadata?.lgm !== undefined;
  } catch {
    throw new Error(`loading a model: ${name} is not valid JSON (not a TF.js model.json)`);
  }
}

/** Loads a model from files or a URL: the app's own saves, or any 2-D model written by lgm export. */
async function loadAny(source: string | File[], json: string, name: string): Promise<Loaded> {
  // An export goes through lgm's own loader, so the page runs exactly what loadLgmModel users run.
  if (isExport(json, name)) return fromExport(await loadLgmModel(source));
  const handler = typeof source === 'string' ? source : tf.io.browserFiles(source);
  return fromModel(await tfl.loadLayersModel(handler), name);
}

/** No model at a URL (HTTP 404). */
export class ModelNotFound extends Error {
  constructor(readonly url: string) {
    super(`loading a model: there is no model at ${url}`);
  }
}

/** Loads a model written by lgm export (or saved by this app) from the URL of its model.json. */
export async function loadFromUrl(url: string): Promise<Loaded> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`loading a model: cannot reach ${url}: ${(error as Error).message}`);
  }
  // Single-page servers (Vite's among them) answer a missing file with the page itself.
  const html = (response.headers.get('content-type') ?? '').includes('text/html');
  if (response.status === 404 || html) throw new ModelNotFound(url);
  if (!response.ok) throw new Error(`loading a model: ${url} answered HTTP ${response.status}`);
  return loadAny(url, await response.text(), url);
}

export const saveToBrowser = (net: DigitNetwork, state: SavedState) => withState(net, state, BROWSER_KEY);

/** Downloads model.json and its weights file. */
export const exportFiles = (net: DigitNetwork, state: SavedState) =>
  withState(net, state, `downloads://${EXPORT_NAME}`);

/** Whether a model was saved in this browser. */
export async function hasBrowserModel(): Promise<boolean> {
  const models = await tf.io.listModels();
  return BROWSER_KEY in models;
}

export async function loadFromBrowser(): Promise<Loaded> {
  if (!(await hasBrowserModel())) throw new Error('loading a model: nothing saved in this browser yet');
  return fromModel(await tfl.loadLayersModel(BROWSER_KEY), 'the browser copy');
}

/** Loads files: a model JSON and its weights file(s), chosen together (the app's export, or lgm export's). */
export async function importFiles(files: File[]): Promise<Loaded> {
  const json = files.filter((f) => f.name.endsWith('.json'));
  if (json.length !== 1) {
    throw new Error(
      `loading a model: choose one .json file and its weights file, got ${files.map((f) => f.name).join(', ') || 'no files'}`,
    );
  }
  const rest = files.filter((f) => f !== json[0]);
  return loadAny([json[0], ...rest], await json[0].text(), json[0].name);
}
