import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LgmError, describe } from '../util/errors.js';

/** A tfjs-layers weight initialiser. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** An initialiser, its Keras class name ('Zeros', 'GlorotUniform', ...), or a serialised {className, config}. */
export type InitializerSpec =
  Initializer | string | { className: string; config: tf.serialization.ConfigDict };

type Factory = (config: tf.serialization.ConfigDict) => Initializer;

/**
 * Resolves an initialiser spec. tfjs-layers keeps its own resolver private, so the Keras class name is mapped to
 * the public factory of the same name (GlorotUniform -> glorotUniform).
 */
export function resolveInitializer(where: string, name: string, spec: InitializerSpec): Initializer {
  if (typeof spec === 'object' && spec !== null && !('className' in spec && 'config' in spec)) return spec;
  const className = typeof spec === 'string' ? spec : spec.className;
  const config = typeof spec === 'string' ? {} : spec.config;
  const factories = tfl.initializers as unknown as Record<string, Factory | undefined>;
  const key = className.charAt(0).toLowerCase() + className.slice(1);
  const factory = factories[key];
  if (typeof className !== 'string' || factory === undefined) {
    const valid = Object.keys(tfl.initializers).map((k) => k.charAt(0).toUpperCase() + k.slice(1));
    throw new LgmError(`${where}: ${name} must be one of ${valid.join(', ')}, got ${describe(className)}`);
  }
  return factory(config);
}

/** The {className, config} form of an initialiser, as stored by getConfig. */
export function serializeInitializer(init: Initializer): tf.serialization.ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}
