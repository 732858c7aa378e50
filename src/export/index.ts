export type { LgmModelMetadata, FamiliarityScore, HeadKind } from './metadata.js';
export { LGM_MODEL_FORMAT, LGM_METADATA_KEY, readLgmMetadata } from './metadata.js';
export type { LgmPrediction, LgmPredictionTensors, LgmModelSource } from './lgm-model.js';
export { LgmModel, loadLgmModel, lowerQuantile } from './lgm-model.js';
export type { ExportOptions, ExportResult } from './export-run.js';
export { exportRun } from './export-run.js';
export {
  PRETRAINED_ENV,
  pretrainedDir,
  listPretrained,
  resolvePretrained,
  loadPretrained,
} from './pretrained.js';
