/**
 * Evaluation on the validation images: features (for the plot), accuracy, the mixture, and the "unfamiliar
 * input" threshold calibrated so that a chosen fraction of validation images falls below it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchedFeatures, lowerQuantile } from 'lgm/core';
import type { DigitNetwork } from './network.js';
import { featureLogLikelihood, fitClassGaussians, trainedMixture, type MixtureSummary } from './mixture.js';

/** Validation images kept on the backend for repeated evaluation. */
export interface EvalSet {
  /** float32 [N,28,28,1] in [0,1]. */
  x: tf.Tensor4D;
  labels: Uint8Array;
}

/** The threshold and the mixture it refers to. */
export interface Calibration {
  /** Images whose log-likelihood is below this are flagged unfamiliar. */
  threshold: number;
  /** Fraction of validation images flagged by construction, in (0, 1). */
  flagRate: number;
  mixture: MixtureSummary;
}

export interface Evaluation {
  /** Features [N*2], row-major. */
  features: Float32Array;
  labels: Uint8Array;
  /** Classification accuracy of the inference logits. */
  accuracy: number;
  logLikelihood: Float32Array;
  calibration: Calibration;
}

/** Images per forward pass, so that large sets fit in GPU memory. */
const CHUNK = 250;

/** Evaluates the network on `set` and calibrates the threshold at `flagRate`. */
export async function evaluate(net: DigitNetwork, set: EvalSet, flagRate: number): Promise<Evaluation> {
  const featureTensor = batchedFeatures(net, set.x, CHUNK);
  const predictedTensor = tf.tidy(() => tf.argMax(net.logits(featureTensor), 1));
  const features = (await featureTensor.data()) as Float32Array;
  const predicted = await predictedTensor.data();
  predictedTensor.dispose();
  let correct = 0;
  for (let i = 0; i < set.labels.length; i++) if (predicted[i] === set.labels[i]) correct++;
  const mixture = net.loss === 'lgm' ? trainedMixture(net) : fitClassGaussians(features, set.labels);
  const llTensor = featureLogLikelihood(net, featureTensor, net.loss === 'lgm' ? null : mixture);
  const logLikelihood = (await llTensor.data()) as Float32Array;
  tf.dispose([llTensor, featureTensor]);
  return {
    features,
    labels: set.labels,
    accuracy: correct / set.labels.length,
    logLikelihood,
    // The quantile lgm export calibrates with (one implementation for Node and the page).
    calibration: { threshold: lowerQuantile(logLikelihood, flagRate), flagRate, mixture },
  };
}

/** Predicted classes and log-likelihoods of images [N,28,28,1] (N small enough for one pass). */
export async function scoreImages(
  net: DigitNetwork,
  images: tf.Tensor,
  calibration: Calibration,
): Promise<{ predicted: Int32Array; logLikelihood: Float32Array }> {
  const [predictedT, llT] = tf.tidy(() => {
    const features = net.features(images);
    const fitted = calibration.mixture.origin === 'fitted' ? calibration.mixture : null;
    return [tf.argMax(net.logits(features), 1), featureLogLikelihood(net, features, fitted)];
  });
  const [predicted, logLikelihood] = await Promise.all([predictedT.data(), llT.data()]);
  tf.dispose([predictedT, llT]);
  return { predicted: predicted as Int32Array, logLikelihood: logLikelihood as Float32Array };
}

/** Whether a log-likelihood is below the threshold (NaN counts as unfamiliar). */
export const isUnfamiliar = (logLikelihood: number, calibration: Calibration) =>
  !(logLikelihood >= calibration.threshold);
/** What the app says about one input image. */
export interface Probe {
  feature: [number, number];
  /** p(k | x) for k = 0..9. */
  posterior: number[];
  predicted: number;
  logLikelihood: number;
  /** logLikelihood below the calibrated threshold. */
  unfamiliar: boolean;
}

/** Scores one image [1,28,28,1] against a calibration. */
export async function probe(net: DigitNetwork, image: tf.Tensor4D, calibration: Calibration): Promise<Probe> {
  const [featureT, posteriorT, llT] = tf.tidy(() => {
    const feature = net.features(image);
    const fitted = calibration.mixture.origin === 'fitted' ? calibration.mixture : null;
    return [feature, tf.softmax(net.logits(feature)), featureLogLikelihood(net, feature, fitted)];
  });
  const [feature, posterior, ll] = await Promise.all([featureT.data(), posteriorT.data(), llT.data()]);
  tf.dispose([featureT, posteriorT, llT]);
  const post = Array.from(posterior);
  const logLikelihood = ll[0];
  return {
    feature: [feature[0], feature[1]],
    posterior: post,
    predicted: post.indexOf(Math.max(...post)),
    logLikelihood,
    unfamiliar: isUnfamiliar(logLikelihood, calibration),
  };
}
