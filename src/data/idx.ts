import { LgmError } from '../util/errors.js';

/**
 * The IDX format of the MNIST family (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * 00 00 <type> <ndims>, then ndims big-endian uint32 dimension sizes, then the data, row-major.
 * lgm reads only type 0x08 (unsigned byte), the type of every MNIST-style image and label file.
 */
export interface IdxArray {
  /** Dimension sizes from the header, e.g. [60000, 28, 28]. */
  shape: number[];
  /** The data bytes (a view into the file, not a copy). */
  data: Uint8Array;
}

const UBYTE = 0x08;

function hex32(bytes: Uint8Array): string {
  return `0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function uint32At(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
  );
}

/**
 * The size (header + data) an IDX file of `ndims` dimensions declares in its header, once `head` holds the
 * header (else null); a wrong magic number gives 0, so that reading stops early and parseIdx names the problem.
 */
export function idxSize(ndims: number): (head: Uint8Array) => number | null {
  return (head) => {
    const headerBytes = 4 + 4 * ndims;
    if (head.length >= 4 && (head[0] !== 0 || head[1] !== 0 || head[2] !== UBYTE || head[3] !== ndims))
      return 0;
    if (head.length < headerBytes) return null;
    const shape = Array.from({ length: ndims }, (_, i) => uint32At(head, 4 + 4 * i));
    return headerBytes + shape.reduce((a, b) => a * b, 1);
  };
}

/**
 * Parses an unsigned-byte IDX file with `ndims` dimensions. Throws an error naming `file` for a wrong magic
 * number (another type or rank: e.g. a label file given where images are expected), a header or data shorter
 * than the header promises (truncated download), or trailing bytes (not an IDX file of this shape).
 */
export function parseIdx(where: string, file: string, bytes: Uint8Array, ndims: number): IdxArray {
  const headerBytes = 4 + 4 * ndims;
  const expectedMagic = `0x000008${ndims.toString(16).padStart(2, '0')}`;
  if (bytes.length < 4) {
    throw new LgmError(
      `${where}: ${file} is truncated: ${bytes.length} bytes, shorter than the IDX magic number`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] !== ndims) {
    throw new LgmError(
      `${where}: ${file} has wrong magic number: expected ${expectedMagic} (IDX unsigned bytes, ` +
        `${ndims} dimension${ndims === 1 ? '' : 's'}), got ${hex32(bytes)}`,
    );
  }
  if (bytes.length < headerBytes) {
    throw new LgmError(
      `${where}: ${file} is truncated: the IDX header needs ${headerBytes} bytes, got ${bytes.length}`,
    );
  }
  const shape = Array.from({ length: ndims }, (_, i) => uint32At(bytes, 4 + 4 * i));
  const dataBytes = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < dataBytes) {
    throw new LgmError(
      `${where}: ${file} is truncated: header shape [${shape.join(',')}] needs ${dataBytes} data bytes, ` +
        `got ${actual}`,
    );
  }
  if (actual > dataBytes) {
    throw new LgmError(
      `${where}: ${file} has ${actual - dataBytes} bytes after the data of shape [${shape.join(',')}]: ` +
        'expected a file of exactly header + data',
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}
