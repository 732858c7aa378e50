export type { Classifier } from './classifier.js';
export type { LeNetPPOptions } from './lenetpp.js';
export { leNetPP, countParams } from './lenetpp.js';
