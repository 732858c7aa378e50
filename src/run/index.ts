export { MissingFileError, isMissingFile, readJsonFile } from './json-file.js';
export type { RunFeatures } from './features.js';
export { readFeaturesFile, readRunFeatures, checkRunFeatures } from './features.js';
export type { RunMixture } from './mixture.js';
export { readRunMixture, readMixtureFile, checkMixture } from './mixture.js';
export type { Detection, DetectionRow as DetectionFileRow } from './detection.js';
export { readDetection } from './detection.js';
export type { MetricsRecord } from './metrics.js';
export { readMetrics } from './metrics.js';
export type { AdversarialSetFile, AdversarialFeatures } from './adversarial.js';
export {
  readAdversarialSet,
  writeAdversarialSet,
  readAdversarialFeatures,
  listAdversarialSets,
} from './adversarial.js';
export type { RunDataset } from './normalization.js';
export { readRunNormalization, runNormalization } from './normalization.js';
