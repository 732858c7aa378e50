/**
 * The browser-safe face of lgm (`lgm/core`): the mixture math, losses, layers, networks, datasets in memory,
 * attacks, detectors, exported-model loading and the step-level Trainer, with nothing that reads files or
 * starts processes. No module in its import graph imports a Node built-in (test/core.test.ts walks the graph).
 */
export * from './gm/index.js';
export * from './losses/index.js';
export * from './nets/index.js';
export * from './layers/index.js';
export { LgmError } from './util/errors.js';
export { oneHotFloat } from './util/tensor.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './backend/wasm-training-kernels.js';
export type { ImageDataset, Split } from './data/dataset.js';
export { SPLITS, imageSize, numberedClassNames } from './data/dataset.js';
export { checkDataset } from './data/check.js';
export { createPipeline, type Pipeline, type PipelineOptions, type Batch } from './data/pipeline.js';
export { datasetTensors, type DatasetTensorsOptions } from './data/tensors.js';
export type { LgmModelMetadata, FamiliarityScore, HeadKind } from './export/metadata.js';
export { LGM_MODEL_FORMAT, LGM_METADATA_KEY, readLgmMetadata } from './export/metadata.js';
export type { LgmPrediction, LgmPredictionTensors, LgmModelSource } from './export/lgm-model.js';
export { LgmModel, loadLgmModel, lowerQuantile } from './export/lgm-model.js';
export type { AttackBaseOptions, AttackResult } from './attacks/attack.js';
export type { LogitsModel } from './attacks/model.js';
export { fgsm, type FgsmOptions } from './attacks/fgsm.js';
export { bim, pgd, type IterativeOptions, type PgdOptions } from './attacks/iterative.js';
export { deepFool, type DeepFoolOptions } from './attacks/deepfool.js';
export { carliniWagnerL2, type CarliniWagnerOptions } from './attacks/cw.js';
export type { Detector, DetectionData, DetectorBaseOptions, LogitsHead } from './detect/detector.js';
export { FeatureDetector, batchedFeatures } from './detect/detector.js';
export { fitClassGaussians, type ClassGaussians } from './detect/class-gaussians.js';
export { MahalanobisDetector, type MahalanobisOptions } from './detect/mahalanobis.js';
export { LgmLikelihoodDetector, LGM_SCORE_MODES, type LgmLikelihoodOptions } from './detect/lgm.js';
export { MaxSoftmaxDetector, EnergyDetector, type LogitDetectorOptions } from './detect/logits.js';
export { DetectionMetrics, detectionMetrics, thresholdForTpr } from './detect/metrics.js';
export type { OptimizerConfig, TrainConfig } from './train/config.js';
export type { TrainableModel } from './train/model.js';
export { configTrainer, lossValues } from './train/config-trainer.js';
export type { BatchSource, TrainBatch } from './train/data.js';
export { arraySource, type ArraySourceOptions } from './train/data.js';
export { Optimizer, type Param } from './train/optimizer.js';
export type { TrainState } from './train/state.js';
export { initialState } from './train/state.js';
export type { ObjectiveValue, StepObjective, StepMetrics } from './train/step.js';
export { trainStep } from './train/step.js';
export type { StepPosition, StepResult, TrainerOptions, FitAsyncOptions } from './train/step-trainer.js';
export { Trainer } from './train/step-trainer.js';
