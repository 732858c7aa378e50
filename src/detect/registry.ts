import type * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import type { Detector } from './detector.js';
import { KernelDensityDetector } from './kde.js';
import { LgmLikelihoodDetector } from './lgm.js';
import { EnergyDetector, MaxSoftmaxDetector } from './logits.js';
import { MahalanobisDetector } from './mahalanobis.js';
import type { MixtureFile } from './mixture-fit.js';
import { LgmError } from '../util/errors.js';

/** Every detector by name (docs/detection.md); the `lgm-*` ones need an L-GM run's mixture. */
export const DETECTOR_NAMES = [
  'lgm-class',
  'lgm-mixture',
  'msp',
  'energy',
  'mahalanobis',
  'kde',
  'kde-h1.5',
] as const;

/**
 * The follow-up's KDE bandwidth (arXiv 2011.09066's detection script: per-class Gaussian KDE, bandwidth 1.5, under
 * the predicted class), beside the median heuristic of 'kde'. Fixed by the literature, not tuned on our test sets.
 */
const FOLLOW_UP_KDE_BANDWIDTH = 1.5;
/** The name of a detector (`lgm detect --detectors`). */
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** What the detectors are built from. */
export interface DetectorSources {
  /** The classifier whose logits msp, energy and kde look at. Required. */
  classifier: Pick<Classifier, 'logits'>;
  /** The run's mixture.json (lgm-class and lgm-mixture use it); null for runs without one. Required. */
  mixture: MixtureFile | null;
  /** Prefix of the error message when a detector needs the missing mixture. Default 'createDetector'. */
  where?: string;
}

/** The detectors a run supports, in DETECTOR_NAMES order: the `lgm-*` ones only when it has a mixture. */
export function detectorNamesFor(mixture: MixtureFile | null): DetectorName[] {
  return DETECTOR_NAMES.filter((name) => mixture !== null || !name.startsWith('lgm-'));
}

/** A new, unfitted detector of the given name, with its default options. */
export function createDetector(name: DetectorName, sources: DetectorSources): Detector {
  const { classifier, mixture, where = 'createDetector' } = sources;
  const head = (z: tf.Tensor2D) => classifier.logits(z);
  if (name === 'msp') return new MaxSoftmaxDetector({ head });
  if (name === 'energy') return new EnergyDetector({ head });
  if (name === 'mahalanobis') return new MahalanobisDetector();
  if (name === 'kde') return new KernelDensityDetector({ head });
  if (name === 'kde-h1.5') return new KernelDensityDetector({ head, bandwidth: FOLLOW_UP_KDE_BANDWIDTH });
  if (mixture === null) {
    throw new LgmError(`${where}: detector ${name} needs the run's mixture.json (an L-GM run), got none`);
  }
  const mode = name === 'lgm-class' ? 'class' : 'mixture';
  return new LgmLikelihoodDetector({ mixture: mixture.params, covariance: mixture.covariance, mode });
}
