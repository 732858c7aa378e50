/**
 * `lgm train --model path/model.json --feature-layer name`: your own tfjs-layers model, loaded from disk and cut
 * at the feature layer, as the network of a run. Its weights in the file are where training starts.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem } from '../io/file-system.js';
import { checkModelInput, featureExtractor } from '../layers/with-gm-head.js';
import { LgmError } from '../util/errors.js';
import type { TrainConfig } from './config.js';

/**
 * The network of a 'custom' net config (undefined for the built-in nets): the model at config.net.model, cut at
 * config.net.featureLayer, checked against the data's image shape. The layers after the cut are disposed.
 */
export async function loadCustomNetwork(
  net: TrainConfig['net'],
  inputShape: readonly number[],
): Promise<tfl.LayersModel | undefined> {
  if (net.name !== 'custom') return undefined;
  const file = net.model as string;
  if (file.endsWith('.json') && !file.endsWith('model.json')) {
    throw new LgmError(`train: --model must be a model.json or its directory (TF.js's layout), got ${file}`);
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileSystem(file.replace(/\/?model\.json$/, '') || '.'));
  } catch (error) {
    if (error instanceof LgmError) throw error;
    throw new LgmError(`train: cannot load the model ${file}: ${(error as Error).message}`);
  }
  let features: tfl.LayersModel;
  try {
    features = featureExtractor(`train: --model ${file}`, model, net.featureLayer as string);
    checkModelInput('train', features, inputShape, `--model ${file}`);
  } catch (error) {
    model.dispose();
    throw error;
  }
  // The layers after the feature layer (the model's own classifier) are not trained: free their weights.
  const kept = new Set(features.layers);
  for (const layer of model.layers) if (!kept.has(layer)) layer.dispose();
  return features;
}
