import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCifar10, loadCifar100, loadDataset } from '../../src/data/index.js';
import { cifarBytes, cifarPixel, removeDir, tempDir, writeCifar10 } from './fixtures.js';

test('loadCifar10 reads the five train batches in order and converts CHW planes to HWC', async () => {
  const root = await tempDir();
  try {
    const dir = await writeCifar10(root, 3);
    // The parent directory and the batches directory itself both work.
    for (const dataDir of [root, dir]) {
      const ds = await loadCifar10({ dataDir, split: 'train' });
      assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [15, 32, 32, 3, 10]);
      assert.equal(ds.source, dir);
      assert.equal(ds.classNames[0], 'airplane');
      // Batch b, record i has label (b + i) % 10.
      assert.deepEqual(Array.from(ds.labels.subarray(0, 6)), [0, 1, 2, 1, 2, 3]);
      // Image 4 is record 1 of data_batch_2; pixel (y=2, x=5), channel c is stored at plane c, position 2*32+5.
      for (let c = 0; c < 3; c++)
        assert.equal(ds.images[4 * 3072 + (2 * 32 + 5) * 3 + c], cifarPixel(1, c, 69));
    }
    const testSplit = await loadCifar10({ dataDir: root, split: 'test' });
    assert.equal(testSplit.count, 3);
    assert.deepEqual(Array.from(testSplit.labels), [5, 6, 7]);
  } finally {
    await removeDir(root);
  }
});

test('loadCifar100 reads fine and coarse labels and the names files', async () => {
  const root = await tempDir();
  try {
    const dir = join(root, 'cifar-100-binary');
    await mkdir(dir);
    const labels = [
      [3, 99],
      [19, 0],
    ];
    await writeFile(join(dir, 'test.bin'), cifarBytes(labels));
    const coarseNames = Array.from({ length: 20 }, (_, k) => `super${k}`);
    await writeFile(join(dir, 'coarse_label_names.txt'), coarseNames.join('\n') + '\n\n');
    const fine = await loadCifar100({ dataDir: root, split: 'test' });
    assert.equal(fine.numClasses, 100);
    assert.deepEqual(Array.from(fine.labels), [99, 0]);
    assert.equal(fine.classNames[99], '99');
    const coarse = await loadDataset('cifar100-coarse', { dataDir: root, split: 'test' });
    assert.deepEqual([coarse.name, coarse.numClasses], ['cifar100-coarse', 20]);
    assert.deepEqual(Array.from(coarse.labels), [3, 19]);
    assert.equal(coarse.classNames[19], 'super19');
    assert.deepEqual(coarse.images, fine.images);
  } finally {
    await removeDir(root);
  }
});

test('bad CIFAR files: missing, truncated and out-of-range labels name the file', async () => {
  const root = await tempDir();
  try {
    await assert.rejects(
      loadCifar10({ dataDir: root, split: 'train' }),
      new RegExp(
        `loadCifar10: missing train files in ${root} \\(or ${root}/cifar-10-batches-bin\\): expected ` +
          'data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin of the binary ' +
          'version; download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      ),
    );
    const dir = await writeCifar10(root, 2);
    const batch = join(dir, 'test_batch.bin');
    await writeFile(batch, cifarBytes([[1], [2]]).subarray(0, 3073 + 100));
    await assert.rejects(loadCifar10({ dataDir: root, split: 'test' }), {
      message:
        `loadCifar10: ${batch} is truncated or not a cifar-10-batches-bin file: its 3173 bytes are not a positive ` +
        'whole number of 3073-byte records (1 label byte(s) + 32x32x3 pixels)',
    });
    await writeFile(batch, cifarBytes([[1], [12]]));
    await assert.rejects(loadCifar10({ dataDir: root, split: 'test' }), {
      message: `loadCifar10: ${batch} has a label out of range: labels must be in [0, 10), got 12 at index 1`,
    });
    // A CIFAR-10 file read as CIFAR-100 (1-byte labels): 2 records of 3073 bytes are not 3074-byte records.
    const c100 = join(root, 'cifar-100-binary');
    await mkdir(c100);
    await writeFile(join(c100, 'test.bin'), cifarBytes([[1], [2]]));
    await assert.rejects(
      loadCifar100({ dataDir: c100, split: 'test' }),
      /not a positive whole number of 3074-byte/,
    );
    await assert.rejects(loadDataset('cifar10', { split: 'test' }), /loadDataset: cifar10 needs dataDir/);
  } finally {
    await removeDir(root);
  }
});
