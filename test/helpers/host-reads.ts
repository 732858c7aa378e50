import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and counts the tensor reads back to the host it makes (dataSync / arraySync / data / array all go
 * through the engine's readSync or read). The engine's methods are wrapped for the call and restored after it.
 */
export async function countHostReads<T>(fn: () => Promise<T> | T): Promise<{ result: T; reads: number }> {
  const engine = tf.engine();
  const { readSync, read } = engine;
  let reads = 0;
  engine.readSync = function (this: typeof engine, ...args: Parameters<typeof readSync>) {
    reads++;
    return readSync.apply(this, args);
  };
  engine.read = function (this: typeof engine, ...args: Parameters<typeof read>) {
    reads++;
    return read.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, reads };
  } finally {
    engine.readSync = readSync;
    engine.read = read;
  }
}
