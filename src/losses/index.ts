export type { PerSampleLoss, ReducedLoss } from './reduce.js';
export { reduceLoss, softmaxCrossEntropyPerSample } from './reduce.js';
export type { LgmLossOptions, LgmLossResult } from './lgm.js';
export { lgmLoss, lgmLossPerSample } from './lgm.js';
