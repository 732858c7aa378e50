import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { LgmError } from '../util/errors.js';

/** Backends lgm can run on from Node without native TensorFlow. */
export const BACKENDS = ['wasm', 'cpu'] as const;

/**
 * Selects and initialises a TF.js backend: the one named, else $LGM_BACKEND, else wasm, else cpu.
 * Resolves to the name of the backend in use.
 */
export async function initBackend(name?: string): Promise<string> {
  const wanted = name ?? process.env.LGM_BACKEND;
  if (wanted !== undefined && wanted !== '') {
    if (!(BACKENDS as readonly string[]).includes(wanted)) {
      throw new LgmError(`initBackend: backend must be one of ${BACKENDS.join(', ')}, got '${wanted}'`);
    }
    if (!(await tf.setBackend(wanted))) {
      throw new LgmError(`initBackend: backend '${wanted}' failed to initialise`);
    }
    await tf.ready();
    return tf.getBackend();
  }
  for (const candidate of BACKENDS) {
    if (await tf.setBackend(candidate)) {
      await tf.ready();
      return tf.getBackend();
    }
  }
  throw new LgmError('initBackend: no backend could be initialised');
}
