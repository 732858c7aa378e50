export type { CovarianceKind, GaussianMixtureParams } from './params.js';
export { COVARIANCE_KINDS, DEFAULT_MIN_LOG_VARIANCE } from './params.js';
export { LGM_DEFAULTS, defaultMeanInitStd } from './defaults.js';
export type { MixtureOptions } from './mixture.js';
export { halfSquaredMahalanobis } from './distance.js';
export { mixtureLogits, mixturePosterior, classLogDensity, mixtureLogLikelihood } from './density.js';
