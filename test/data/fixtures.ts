/** Helpers for the data tests: small IDX and CIFAR files in the official formats, in a temp directory. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A fresh temp directory; remove it with `removeDir`. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lgm-data-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Bytes of an unsigned-byte IDX file: magic 00 00 08 <ndims>, big-endian dims, data. */
export function idxBytes(shape: number[], data: Uint8Array, magic?: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header.set(magic ?? [0, 0, 8, shape.length]);
  const view = new DataView(header.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** A deterministic image pattern: pixel p of image i is (7 * i + p) mod 256. */
export function pattern(count: number, size: number): Uint8Array {
  return Uint8Array.from({ length: count * size }, (_, k) => (7 * Math.floor(k / size) + (k % size)) % 256);
}

export interface IdxSplitFiles {
  count: number;
  height?: number;
  width?: number;
  labels?: Uint8Array;
  gzip?: boolean;
  split?: 'train' | 'test';
}

/** Writes `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` (optionally .gz) into `dir`. */
export async function writeIdxSplit(
  dir: string,
  files: IdxSplitFiles,
): Promise<{ images: string; labels: string }> {
  const { count, height = 28, width = 28, gzip = false, split = 'test' } = files;
  const labels = files.labels ?? Uint8Array.from({ length: count }, (_, i) => i % 10);
  const prefix = split === 'train' ? 'train' : 't10k';
  const suffix = gzip ? '.gz' : '';
  const images = join(dir, `${prefix}-images-idx3-ubyte${suffix}`);
  const labelFile = join(dir, `${prefix}-labels-idx1-ubyte${suffix}`);
  const pack = (b: Uint8Array) => (gzip ? gzipSync(b) : b);
  await writeFile(images, pack(idxBytes([count, height, width], pattern(count, height * width))));
  await writeFile(labelFile, pack(idxBytes([labels.length], labels)));
  return { images, labels: labelFile };
}

/**
 * One CIFAR binary file: records of label byte(s) then 1024 R, 1024 G, 1024 B. Pixel values encode
 * (record, channel, position) so tests can check the CHW -> HWC conversion.
 */
export function cifarBytes(labels: number[][]): Uint8Array {
  const labelBytes = labels[0].length;
  const record = labelBytes + 3072;
  const out = new Uint8Array(labels.length * record);
  labels.forEach((ls, r) => {
    out.set(ls, r * record);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[r * record + labelBytes + c * 1024 + p] = cifarPixel(r, c, p);
    }
  });
  return out;
}

/** The value cifarBytes stores for record r, channel c, position p (= y * 32 + x). */
export function cifarPixel(r: number, c: number, p: number): number {
  return (r * 31 + c * 85 + p) % 256;
}

/** Writes a CIFAR-10 binary directory `<root>/cifar-10-batches-bin` with `perBatch` records per file. */
export async function writeCifar10(root: string, perBatch: number): Promise<string> {
  const dir = join(root, 'cifar-10-batches-bin');
  await mkdir(dir, { recursive: true });
  const names = [
    'data_batch_1',
    'data_batch_2',
    'data_batch_3',
    'data_batch_4',
    'data_batch_5',
    'test_batch',
  ];
  for (const [b, name] of names.entries()) {
    const labels = Array.from({ length: perBatch }, (_, i) => [(b + i) % 10]);
    await writeFile(join(dir, `${name}.bin`), cifarBytes(labels));
  }
  return dir;
}
