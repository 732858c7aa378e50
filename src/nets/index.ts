export type { Classifier } from './classifier.js';
export type { LeNetPPOptions } from './lenetpp.js';
export { leNetPP, countParams } from './lenetpp.js';
export type { MlpOptions } from './mlp.js';
export { mlp } from './mlp.js';
export type { CifarResNetOptions, ResNetDepth } from './resnet.js';
export { cifarResNet, RESNET_DEPTHS } from './resnet.js';
export type { NetworkName, NetworkOptions } from './registry.js';
export { NETWORK_NAMES, buildNetwork, featureWidth } from './registry.js';
