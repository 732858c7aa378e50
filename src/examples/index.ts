export type { BlobsExampleOptions, BlobsExampleResult } from './blobs.js';
export { runBlobsExample } from './blobs.js';
