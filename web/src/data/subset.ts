import { checkDataset, numberedClassNames, type ImageDataset } from 'lgm/core';
import { SUBSET_MANIFEST, type SubsetManifest, type SubsetSplit } from './manifest.js';

/** The three splits of the bundled MNIST subset, in lgm's ImageDataset form. */
export interface DigitSubset {
  train: ImageDataset;
  validation: ImageDataset;
  test: ImageDataset;
}

/**
 * Fetches a gzipped file. Some static servers (Vite's preview among them) send .gz files with
 * `Content-Encoding: gzip`, so the browser has already inflated them: inflate only what still starts with the
 * gzip magic bytes (1f 8b; MNIST pixels and labels never do: corners are 0 and labels are below 10).
 */
async function fetchGzipped(base: URL, file: string): Promise<Uint8Array> {
  const response = await fetch(new URL(file, base));
  if (!response.ok) {
    throw new Error(`loading the MNIST subset: ${file} answered HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadSplit(base: URL, name: string, split: SubsetSplit, size: number): Promise<ImageDataset> {
  const [images, labels] = await Promise.all([
    fetchGzipped(base, split.images),
    fetchGzipped(base, split.labels),
  ]);
  return subsetDataset(name, split, size, images, labels);
}

/** One split's inflated bytes as an ImageDataset, checked against the manifest (`size` pixels per image). */
export function subsetDataset(
  name: string,
  split: SubsetSplit,
  size: number,
  images: Uint8Array,
  labels: Uint8Array,
): ImageDataset {
  if (images.length !== split.count * size || labels.length !== split.count) {
    throw new Error(
      `loading the MNIST subset: ${name} must hold ${split.count} images and labels, got ` +
        `${images.length} pixel bytes and ${labels.length} labels (truncated download?)`,
    );
  }
  const dataset: ImageDataset = {
    name: 'mnist-subset',
    split: name,
    images,
    labels,
    count: split.count,
    height: 28,
    width: 28,
    channels: 1,
    numClasses: 10,
    classNames: numberedClassNames(10),
    source: split.images,
  };
  // Shapes and label range, with lgm's usual messages.
  checkDataset('loading the MNIST subset', dataset);
  return dataset;
}

/** Fetches the subset written at build time by web/build/mnist-subset.ts (served next to the page). */
export async function loadDigitSubset(base = new URL('./', document.baseURI)): Promise<DigitSubset> {
  const response = await fetch(new URL(SUBSET_MANIFEST, base));
  if (!response.ok) {
    throw new Error(`loading the MNIST subset: ${SUBSET_MANIFEST} answered HTTP ${response.status}`);
  }
  const manifest = (await response.json()) as SubsetManifest;
  const size = manifest.height * manifest.width;
  const [train, validation, test] = await Promise.all([
    loadSplit(base, 'train', manifest.splits.train, size),
    loadSplit(base, 'validation', manifest.splits.validation, size),
    loadSplit(base, 'test', manifest.splits.test, size),
  ]);
  return { train, validation, test };
}
