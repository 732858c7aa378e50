import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork, featureWidth } from '../nets/registry.js';
import type { Classifier } from '../nets/classifier.js';
import { createLoss } from '../losses/registry.js';
import type { LossModule } from '../losses/module.js';
import { LgmError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import type { Param } from './optimizer.js';
import type { StoredTensor } from '../run/checkpoint.js';

/** A network (inputs -> features) and the loss head on top, as one trainable model. */
export interface TrainableModel {
  net: tfl.LayersModel;
  loss: LossModule;
  inputShape: number[];
  numClasses: number;
  featureDim: number;
}

/**
 * Builds the network and the loss of a config for data of `inputShape` with `numClasses` classes. The net is
 * seeded with config.seed, the loss with config.seed + 1. Throws when the feature width does not fit the loss.
 * For net 'custom' pass the network loadCustomNetwork loaded (it is owned by the model from then on).
 */
export function buildModel(
  config: TrainConfig,
  inputShape: number[],
  numClasses: number,
  custom?: tfl.LayersModel,
): TrainableModel {
  const { name, featureDim, hidden } = config.net;
  if ((name === 'custom') !== (custom !== undefined)) {
    throw new LgmError(
      `buildModel: net 'custom' comes with its loaded network (loadCustomNetwork) and no other does, got net '${name}' ${custom === undefined ? 'without' : 'with'} one`,
    );
  }
  const net =
    custom ??
    buildNetwork(name, {
      inputShape,
      seed: config.seed,
      ...(featureDim === null ? {} : { featureDim }),
      ...(hidden === null ? {} : { hidden }),
    });
  const dim = featureWidth(net);
  if (custom !== undefined && featureDim !== null && featureDim !== dim) {
    net.dispose();
    throw new LgmError(
      `buildModel: net.featureDim must be the width of layer '${config.net.featureLayer}' (${dim}), got ${featureDim}`,
    );
  }
  let loss: LossModule;
  try {
    loss = createLoss(config.loss.name, {
      ...config.loss.options,
      numClasses,
      featureDim: dim,
      seed: config.seed + 1,
    });
  } catch (error) {
    net.dispose();
    throw error;
  }
  return { net, loss, inputShape, numClasses, featureDim: dim };
}

/** Every trainable parameter with its checkpoint key, decay flag and learning-rate scale. */
export function trainableParams(model: TrainableModel, mixtureLrMultiplier: number): Param[] {
  const netParams = model.net.trainableWeights.map((w, i) => ({
    key: `net/${i}/${w.originalName}`,
    variable: w.read() as tf.Variable,
    // Decay kernels only: biases, PReLU slopes and batch-norm scales/offsets are not regularised.
    decay: w.originalName.endsWith('/kernel'),
    lrScale: 1,
  }));
  const lossParams = model.loss.weights.map((w) => ({
    key: `loss/${w.name}`,
    variable: w.variable,
    decay: w.decay,
    lrScale: w.group === 'mixture' ? mixtureLrMultiplier : 1,
  }));
  return [...netParams, ...lossParams];
}

/** All model state to checkpoint: every network weight (batch-norm statistics included) and the loss weights. */
export function modelTensors(model: TrainableModel): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  model.net.weights.forEach((w, i) => (out[`weights/${i}/${w.originalName}`] = w.read()));
  for (const w of model.loss.weights) out[`loss/${w.name}`] = w.variable;
  return out;
}

/** Restores `modelTensors` from a checkpoint; names and shapes must match (the same config). */
export function loadModelTensors(
  model: TrainableModel,
  get: (key: string) => StoredTensor | undefined,
  file: string,
): void {
  const targets: [string, tf.Variable][] = [
    ...model.net.weights.map((w, i): [string, tf.Variable] => [
      `weights/${i}/${w.originalName}`,
      w.read() as tf.Variable,
    ]),
    ...model.loss.weights.map((w): [string, tf.Variable] => [`loss/${w.name}`, w.variable]),
  ];
  for (const [key, variable] of targets) {
    const saved = get(key);
    if (saved === undefined || saved.shape.join(',') !== variable.shape.join(',')) {
      throw new LgmError(
        `loadModel: ${file} must hold ${key} of shape [${variable.shape.join(',')}], got ${saved === undefined ? 'none' : `[${saved.shape.join(',')}]`}`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.values, saved.shape, 'float32')));
  }
}

/** Features in inference mode (batch norm uses its moving statistics). */
export function inferFeatures(model: TrainableModel, inputs: tf.Tensor): tf.Tensor2D {
  return model.net.apply(inputs, { training: false }) as tf.Tensor2D;
}

/** The model as a Classifier: features by the network in inference mode, logits by the loss's inference view. */
export function asClassifier(model: TrainableModel): Classifier {
  return {
    numClasses: model.numClasses,
    featureDim: model.featureDim,
    inputShape: model.inputShape,
    features: (inputs) => tf.tidy(() => inferFeatures(model, inputs)),
    logits: (features) => tf.tidy(() => model.loss.logits(features)),
  };
}

/** Disposes the network's and the loss's weights. */
export function disposeModel(model: TrainableModel): void {
  model.net.dispose();
  model.loss.dispose();
}
