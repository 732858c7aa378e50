/** The manifest of the bundled MNIST subset, shared by the build-time generator and the app. */

/** File name of the manifest inside the static data folder. */
export const SUBSET_MANIFEST = 'mnist-subset.json';

/** One split: `count` images of 28x28 uint8 and `count` uint8 labels, each a gzipped file. */
export interface SubsetSplit {
  count: number;
  images: string;
  labels: string;
}

export interface SubsetManifest {
  /** Hash of the sizes, seed and source files: the generator skips work when it is unchanged. */
  sourceKey: string;
  height: number;
  width: number;
  splits: { train: SubsetSplit; validation: SubsetSplit; test: SubsetSplit };
}
