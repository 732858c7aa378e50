/**
 * Page settings from the address (?batch=32&eval=200...), for slower machines, comparisons and the browser
 * tests. Defaults depend on whether a GPU backend is in use. Invalid values are reported, never ignored.
 */

export interface Settings {
  /** Images per training batch. Default 64 on a GPU, 32 otherwise; integer in [1, 512]. */
  batchSize: number;
  /** Validation images evaluated for the plot, accuracy and calibration. Default 1000 GPU / 300; [50, 1000]. */
  evalSize: number;
  /** Batches between evaluations (plot redraws). Default 10 GPU / 5; integer in [1, 1000]. */
  evalEvery: number;
  /** Adam learning rate of LeNet++. Default 0.001, in [1e-6, 1]. */
  learningRate: number;
  /** Adam learning rate of the L-GM means, variances and priors. Default 0.02, in [1e-6, 1]. */
  mixtureLearningRate: number;
  /** Fraction of validation images the calibrated threshold flags. Default 0.05, in [0.001, 0.5]. */
  flagRate: number;
  /** Seed of initialisation and batch order. Default 0, integer >= 0. */
  seed: number;
  /**
   * Training pauses by itself once this many batches are trained (0: never). Default 0, integer in [0, 100000].
   * A fixed number of batches makes the page's numbers reproducible (the browser tests compare them with Node's).
   */
  stopAfter: number;
}

interface Spec {
  key: string;
  field: keyof Settings;
  gpu: number;
  other: number;
  min: number;
  max: number;
  integer: boolean;
}

const SPECS: Spec[] = [
  { key: 'batch', field: 'batchSize', gpu: 64, other: 32, min: 1, max: 512, integer: true },
  { key: 'eval', field: 'evalSize', gpu: 1000, other: 300, min: 50, max: 1000, integer: true },
  { key: 'evalEvery', field: 'evalEvery', gpu: 10, other: 5, min: 1, max: 1000, integer: true },
  { key: 'lr', field: 'learningRate', gpu: 0.001, other: 0.001, min: 1e-6, max: 1, integer: false },
  {
    key: 'mixtureLr',
    field: 'mixtureLearningRate',
    gpu: 0.02,
    other: 0.02,
    min: 1e-6,
    max: 1,
    integer: false,
  },
  { key: 'flagRate', field: 'flagRate', gpu: 0.05, other: 0.05, min: 0.001, max: 0.5, integer: false },
  { key: 'seed', field: 'seed', gpu: 0, other: 0, min: 0, max: 2 ** 31 - 1, integer: true },
  { key: 'stopAfter', field: 'stopAfter', gpu: 0, other: 0, min: 0, max: 100000, integer: true },
];

/** Reads the settings from `params`; throws an error naming the parameter for a bad value. */
export function readSettings(params: URLSearchParams, gpu: boolean): Settings {
  // backend and model (the URL of a model.json to open) are read by main.ts.
  const known = new Set(['backend', 'model', ...SPECS.map((s) => s.key)]);
  for (const key of params.keys()) {
    if (!known.has(key))
      throw new Error(`page address: unknown parameter '${key}', expected one of ${[...known].join(', ')}`);
  }
  const settings = {} as Settings;
  for (const spec of SPECS) {
    const raw = params.get(spec.key);
    const value = raw === null ? (gpu ? spec.gpu : spec.other) : Number(raw);
    const ok =
      Number.isFinite(value) &&
      value >= spec.min &&
      value <= spec.max &&
      (!spec.integer || Number.isInteger(value));
    if (!ok) {
      throw new Error(
        `page address: ${spec.key} must be ${spec.integer ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}], got '${raw}'`,
      );
    }
    settings[spec.field] = value;
  }
  return settings;
}
