export type { ImageDataset, Split } from './dataset.js';
export { SPLITS, imageSize } from './dataset.js';
export { loadIdxDataset, type IdxDatasetOptions } from './idx-dataset.js';
export { parseIdx, type IdxArray } from './idx.js';
export {
  loadMnist,
  loadFashionMnist,
  mnistDataDir,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_CLASSES,
  type MnistOptions,
} from './mnist.js';
export {
  loadCifar10,
  loadCifar100,
  CIFAR10_CLASSES,
  type CifarOptions,
  type Cifar100Options,
} from './cifar.js';
export { loadDataset, DATASET_NAMES, type DatasetName, type LoadDatasetOptions } from './registry.js';
export {
  gaussianBlobs,
  syntheticImages,
  type Blobs,
  type BlobsOptions,
  type SyntheticImagesOptions,
} from './synthetic.js';
export { channelStats, unitScale, type Normalization } from './normalization.js';
export { checkDataset } from './check.js';
export { trainValidationSplit, subsetDataset, type SplitOptions } from './split.js';
export { createPipeline, type Pipeline, type PipelineOptions, type Batch } from './pipeline.js';
export type { Augmentation } from './batch.js';
export { datasetTensors, type DatasetTensorsOptions } from './tensors.js';
