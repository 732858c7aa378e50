/**
 * Your own model with an L-GM head: any tfjs-layers model (one built in TF.js, or converted from Keras) is cut at
 * a chosen layer, whose output becomes the feature of a GaussianMixture layer. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Classifier } from '../nets/classifier.js';
import { LgmError, describe } from '../util/errors.js';
import { GaussianMixtureLayer, type GaussianMixtureLayerArgs } from './gaussian-mixture.js';

/** Options of withGaussianMixtureHead: the feature layer, and the head's own arguments (see GaussianMixtureLayer). */
export interface GaussianMixtureHeadOptions extends Omit<
  GaussianMixtureLayerArgs,
  'inputShape' | 'batchInputShape'
> {
  /** Name of the layer whose output is the feature [N, D]. Required. */
  featureLayer: string;
}

/** A model with an L-GM head. All four views share the same weights. */
export interface LgmHeadModel {
  /**
   * For `fit`: inputs [images, labels [N,1] int32], output the margin logits; the layer adds lambda times the
   * likelihood loss, so compile it with softmax cross-entropy on one-hot labels.
   */
  training: tfl.LayersModel;
  /** images -> inference logits (softmax = the class posterior). */
  inference: tfl.LayersModel;
  /** images -> features [N, D]. */
  features: tfl.LayersModel;
  /** The head. */
  head: GaussianMixtureLayer;
  /** The model as lgm's attacks and detectors see it (createDetector, runAttack): features and logits. */
  classifier: Classifier;
  /** The head's mixture for the lgm-* detectors (`createDetector(name, { classifier, mixture })`); not copies. */
  mixture: {
    covariance: GaussianMixtureLayer['covariance'];
    params: ReturnType<GaussianMixtureLayer['params']>;
    /** Nothing to free: the head owns the weights. */
    dispose(): void;
  };
}

/**
 * The part of `model` from its input to layer `featureLayer`, checked: one input, a layer of that name, an
 * output of rank 2. `where` prefixes the messages. Shares the layers (and weights) with `model`.
 */
export function featureExtractor(
  where: string,
  model: tfl.LayersModel,
  featureLayer: string,
): tfl.LayersModel {
  if (!(model instanceof tfl.LayersModel)) {
    throw new LgmError(`${where}: model must be a tfjs-layers LayersModel, got ${describe(model)}`);
  }
  if (model.inputs.length !== 1) {
    throw new LgmError(`${where}: the model must have one input (the images), got ${model.inputs.length}`);
  }
  const names = model.layers.map((l) => l.name);
  if (typeof featureLayer !== 'string' || !names.includes(featureLayer)) {
    throw new LgmError(
      `${where}: featureLayer must name a layer of model '${model.name}', got ${describe(featureLayer)}; its layers: ${names.join(', ')}`,
    );
  }
  const layer = model.getLayer(featureLayer);
  let output: tfl.SymbolicTensor;
  try {
    output = layer.output as tfl.SymbolicTensor;
  } catch {
    throw new LgmError(
      `${where}: layer '${featureLayer}' is used more than once in the model; pick a layer applied once`,
    );
  }
  if (Array.isArray(output) || output.shape.length !== 2 || output.shape[1] === null) {
    const shape = Array.isArray(output) ? 'several outputs' : `[${output.shape.map(String).join(',')}]`;
    throw new LgmError(
      `${where}: layer '${featureLayer}' must output features [N, D] (rank 2) for the L-GM head, got ${shape}; pick a layer after a flatten or a dense layer`,
    );
  }
  return tfl.model({ inputs: model.inputs, outputs: output, name: `${model.name}_features` });
}

/**
 * Checks that a model's input takes images of `inputShape` (e.g. the dataset's [28, 28, 1]); `source` names the
 * model in the message.
 */
export function checkModelInput(
  where: string,
  model: tfl.LayersModel,
  inputShape: readonly number[],
  source: string,
): void {
  const expected = model.inputs[0].shape.slice(1);
  const fits =
    expected.length === inputShape.length && expected.every((d, i) => d === null || d === inputShape[i]);
  if (!fits) {
    throw new LgmError(
      `${where}: ${source} takes inputs [${expected.map(String).join(',')}], the data has images [${inputShape.join(',')}]; add a reshape or flatten layer at the model's input, or use data of that shape`,
    );
  }
}

/**
 * Turns `model` into one whose layer `featureLayer` feeds an L-GM head (GaussianMixtureLayer with the other
 * options: numClasses required, covariance, alpha, lambda, ...). The layers after the feature layer are not
 * used (the caller may dispose `model`'s other layers). See docs/own-model.md.
 *
 * ```ts
 * const lgm = withGaussianMixtureHead(myModel, { featureLayer: 'embedding', numClasses: 10, covariance: 'diagonal', alpha: 0.1, lambda: 0.1 });
 * lgm.training.compile({ optimizer: 'adam', loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits) });
 * await lgm.training.fit([x, labels], tf.oneHot(labels, 10), { epochs: 3 });
 * const posterior = tf.softmax(lgm.inference.predict(x) as tf.Tensor);
 * ```
 */
export function withGaussianMixtureHead(
  model: tfl.LayersModel,
  options: GaussianMixtureHeadOptions,
): LgmHeadModel {
  const where = 'withGaussianMixtureHead';
  if (options === null || typeof options !== 'object') {
    throw new LgmError(`${where}: options must be {featureLayer, numClasses, ...}, got ${describe(options)}`);
  }
  const { featureLayer, ...headArgs } = options;
  const features = featureExtractor(where, model, featureLayer);
  const head = new GaussianMixtureLayer({ name: 'head', ...headArgs });
  const images = features.inputs[0];
  const feature = features.outputs[0];
  const labels = tfl.input({ shape: [1], dtype: 'int32', name: 'labels' });
  const training = tfl.model({
    inputs: [images, labels],
    outputs: head.apply([feature, labels]) as tfl.SymbolicTensor,
    name: `${model.name}_lgm_training`,
  });
  const inference = tfl.model({
    inputs: images,
    outputs: head.apply(feature) as tfl.SymbolicTensor,
    name: `${model.name}_lgm`,
  });
  const inputShape = images.shape.slice(1).map((d) => d ?? -1);
  return {
    training,
    inference,
    features,
    head,
    classifier: {
      numClasses: head.numClasses,
      featureDim: feature.shape[1] as number,
      inputShape,
      features: (x) => features.apply(x, { training: false }) as tf.Tensor2D,
      logits: (f) => tf.tidy(() => head.apply(f) as tf.Tensor2D),
    },
    get mixture() {
      // The head owns its weights: nothing to free here.
      return { covariance: head.covariance, params: head.params(), dispose() {} };
    },
  };
}
