export type { BlobsExampleOptions, BlobsExampleResult } from './blobs.js';
export { runBlobsExample } from './blobs.js';
export type { HeldOutDigitsEpoch, HeldOutDigitsOptions } from './held-out-digits.js';
export { heldOutDigits } from './held-out-digits.js';
