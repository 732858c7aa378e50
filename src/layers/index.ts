export type { GaussianMixtureLayerArgs } from './gaussian-mixture.js';
export { GaussianMixtureLayer, gaussianMixture } from './gaussian-mixture.js';
export type { Initializer, InitializerSpec } from './initializers.js';
export {
  withGaussianMixtureHead,
  featureExtractor,
  checkModelInput,
  type GaussianMixtureHeadOptions,
  type LgmHeadModel,
} from './with-gm-head.js';
