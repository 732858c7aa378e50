/**
 * Saving and loading the trained network: IndexedDB (TF.js's indexeddb:// handler) and files (downloads:// to
 * export model.json + weights, browserFiles to import them). The app's own state (loss weights, batches
 * trained, calibration) travels in the model's user-defined metadata.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DigitNetwork, type LossWeights } from './network.js';
import type { Calibration } from './evaluate.js';

export const BROWSER_KEY = 'indexeddb://lgm-web-model';
export const EXPORT_NAME = 'lgm-web-model';

/** What the app stores beside the weights. */
export interface SavedState {
  weights: LossWeights;
  batches: number;
  calibration: Calibration | null;
}

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

function fromModel(model: tfl.LayersModel, source: string): { net: DigitNetwork; state: SavedState } {
  const meta = model.getUserDefinedMetadata() as { lgmWeb?: unknown } | undefined;
  const state = checkState(meta?.lgmWeb, source);
  return { net: DigitNetwork.fromModel(model), state };
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

export async function loadFromBrowser(): Promise<{ net: DigitNetwork; state: SavedState }> {
  if (!(await hasBrowserModel())) throw new Error('loading a model: nothing saved in this browser yet');
  return fromModel(await tfl.loadLayersModel(BROWSER_KEY), 'the browser copy');
}

/** Loads exported files: the model JSON and its weights file(s), chosen together. */
export async function importFiles(files: File[]): Promise<{ net: DigitNetwork; state: SavedState }> {
  const json = files.filter((f) => f.name.endsWith('.json'));
  if (json.length !== 1) {
    throw new Error(
      `loading a model: choose one .json file and its weights file, got ${files.map((f) => f.name).join(', ') || 'no files'}`,
    );
  }
  const rest = files.filter((f) => f !== json[0]);
  return fromModel(await tfl.loadLayersModel(tf.io.browserFiles([json[0], ...rest])), json[0].name);
}
