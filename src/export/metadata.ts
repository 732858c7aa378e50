/**
 * The metadata of an lgm model export (`lgm export`): what a loader needs beside the TF.js LayersModel to turn
 * pixels into a class, a posterior, a log-likelihood and the "unfamiliar" flag. It travels in model.json's
 * `userDefinedMetadata.lgm`. Browser-safe: no Node imports.
 */
import { LgmError, describe } from '../util/errors.js';

/** The metadata's format tag; a reader refuses any other. */
export const LGM_MODEL_FORMAT = 'lgm-model-1';
/** The key of `userDefinedMetadata` that holds it. */
export const LGM_METADATA_KEY = 'lgm';

/** What the unfamiliar flag thresholds. */
export type FamiliarityScore = 'class-log-likelihood' | 'max-log-posterior';

/** The head a model ends in: lgm's GaussianMixture layer, or a dense (softmax) layer. */
export type HeadKind = 'lgm' | 'softmax';

/** The metadata of an lgm export. */
export interface LgmModelMetadata {
  format: typeof LGM_MODEL_FORMAT;
  head: HeadKind;
  /** Shape of one input image, e.g. [28, 28, 1]. */
  inputShape: number[];
  numClasses: number;
  featureDim: number;
  /** Class names (index = class), or null for numbered classes. */
  classNames: string[] | null;
  /**
   * The input normalisation the network was trained with: x = (pixel / 255 - mean[c]) / std[c] per channel c
   * (the last axis). Loaders take pixel / 255 in [0, 1] and apply it.
   */
  normalization: { mean: number[]; std: number[] };
  /**
   * 'class-log-likelihood' (L-GM head): log N(f; mu_k, Sigma_k) of the feature f under the predicted class k,
   * the score of lgm detect's lgm-class detector (negated). 'max-log-posterior' (softmax head): log max_k p(k|x).
   */
  score: FamiliarityScore;
  /** Inputs whose score is below this are flagged unfamiliar. */
  threshold: number;
  /** The fraction of the calibration images below the threshold, in (0, 1). */
  flagRate: number;
  /** Where the threshold comes from: the first `images` clean training images of `dataset`. */
  calibration: { dataset: string; split: 'train'; images: number };
  /** Name of the head layer (its input is the feature). */
  headLayer: string;
  /** The training config and progress of the run it was exported from (lgm eval/detect/attack read them). */
  source: { config: Record<string, unknown>; epoch: number | null; step: number | null };
}

const isNumbers = (v: unknown, length?: number): v is number[] =>
  Array.isArray(v) && (length === undefined || v.length === length) && v.every((x) => Number.isFinite(x));

/**
 * Checks `userDefinedMetadata` of a loaded model and returns its lgm part. `source` names the model in
 * messages (a path or a URL).
 */
export function readLgmMetadata(userDefinedMetadata: unknown, source: string): LgmModelMetadata {
  const where = `loadLgmModel: ${source}`;
  const meta = (userDefinedMetadata as Record<string, unknown> | undefined)?.[LGM_METADATA_KEY] as
    Partial<LgmModelMetadata> | undefined;
  if (meta === undefined || meta === null || typeof meta !== 'object') {
    throw new LgmError(
      `${where} must have userDefinedMetadata.${LGM_METADATA_KEY} (a model written by lgm export), got ${describe(meta)}`,
    );
  }
  const fail = (what: string, got: unknown): never => {
    throw new LgmError(`${where}: metadata ${what}, got ${describe(got)}`);
  };
  if (meta.format !== LGM_MODEL_FORMAT) fail(`format must be '${LGM_MODEL_FORMAT}'`, meta.format);
  if (meta.head !== 'lgm' && meta.head !== 'softmax') fail("head must be 'lgm' or 'softmax'", meta.head);
  if (!isNumbers(meta.inputShape) || meta.inputShape.length === 0)
    fail('inputShape must be a non-empty list of integers', meta.inputShape);
  for (const key of ['numClasses', 'featureDim'] as const) {
    if (!Number.isInteger(meta[key]) || (meta[key] as number) < 1)
      fail(`${key} must be an integer >= 1`, meta[key]);
  }
  const norm = meta.normalization;
  if (!isNumbers(norm?.mean) || !isNumbers(norm?.std, norm?.mean.length) || norm.std.some((s) => s <= 0))
    fail('normalization must be {mean, std} with positive std of the same length', norm);
  const expected: FamiliarityScore = meta.head === 'lgm' ? 'class-log-likelihood' : 'max-log-posterior';
  if (meta.score !== expected) fail(`score must be '${expected}' for head '${meta.head}'`, meta.score);
  if (!Number.isFinite(meta.threshold)) fail('threshold must be a finite number', meta.threshold);
  if (!(typeof meta.flagRate === 'number' && meta.flagRate > 0 && meta.flagRate < 1))
    fail('flagRate must be in (0, 1)', meta.flagRate);
  if (typeof meta.headLayer !== 'string') fail('headLayer must be a layer name', meta.headLayer);
  if (
    meta.classNames !== null &&
    !(Array.isArray(meta.classNames) && meta.classNames.length === meta.numClasses)
  )
    fail(`classNames must be null or ${meta.numClasses} names`, meta.classNames);
  return meta as LgmModelMetadata;
}
