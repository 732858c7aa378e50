export * from './gm/index.js';
export * from './losses/index.js';
export { LgmError } from './util/errors.js';
export { initBackend } from './backend/index.js';
export * from './nets/index.js';
export * from './layers/index.js';
export * from './io/index.js';
export * from './examples/index.js';
export * from './data/index.js';
