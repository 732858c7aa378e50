import { createRequire } from 'node:module';
import { LgmError } from '../util/errors.js';

/** Activation codes understood by the addon's fused kernels (native/src/conv.cc and matmul.cc). */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  elu: 4,
  sigmoid: 5,
};

/**
 * The functions of the compiled addon (native/src/*.cc). Every array argument is a Float32Array that the kernel
 * reads or writes in place (a view of the wasm heap, or a cpu-backend array); geometry/dims are Int32Arrays laid
 * out as in conv.ts, matmul.ts and pool.ts.
 */
export interface NativeAddon {
  version(): string;
  convForward(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    geometry: Int32Array,
    activation: number,
    alpha: number,
  ): void;
  convBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  convBackwardFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  batchMatMul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    dims: Int32Array,
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): void;
  maxPool(x: Float32Array, y: Float32Array, geometry: Int32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /** Average pooling and its gradient, windows without padding (pool.cc). */
  avgPool(x: Float32Array, y: Float32Array, geometry: Int32Array): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  preluGradInput(
    dy: Float32Array,
    x: Float32Array,
    alpha: Float32Array,
    dx: Float32Array,
    dims: Int32Array,
  ): void;
  /** Both halves of the PReLU gradient in one pass (prelu.cc). */
  preluGrad(
    dy: Float32Array,
    x: Float32Array,
    alpha: Float32Array,
    dx: Float32Array,
    dalpha: Float32Array,
    dims: Int32Array,
  ): void;
  /** One SGD update of a parameter (sgd.cc); params = [rate, momentum, weightDecay, nesterov 0/1]. */
  sgdUpdate(
    w: Float32Array,
    v: Float32Array | null,
    g: Float32Array,
    wOut: Float32Array,
    vOut: Float32Array | null,
    params: Float32Array,
  ): void;
  sumAxes(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  tile(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out = x[begin : begin + size]; dims = [rank, x shape, begin, size] (slice.cc). */
  slice(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out = x padded with `value`; dims = [rank, x shape, padding before, out shape] (slice.cc). */
  pad(x: Float32Array, out: Float32Array, dims: Int32Array, value: number): void;
  /** out = a op b with broadcasting; dims = [rank, shape, strides of a, strides of b] (elementwise.ts). */
  binary(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array, op: number): void;
  unary(x: Float32Array, out: Float32Array, op: number): void;
  /** Softmax over the last axis of a [rows, cols] array; dims = [rows, cols]. */
  softmax(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** The fused L-GM distance matrix (native/src/lgm_distance.cc); dims = [N, D, K, covariance]. */
  lgmDistance(
    x: Float32Array,
    means: Float32Array,
    invVar: Float32Array | null,
    labels: Float32Array | null,
    out: Float32Array,
    nearest: Float32Array,
    dims: Int32Array,
  ): void;
  lgmDistanceGrad(
    dy: Float32Array,
    x: Float32Array,
    means: Float32Array,
    invVar: Float32Array | null,
    labels: Float32Array | null,
    nearest: Float32Array,
    dx: Float32Array,
    dmu: Float32Array,
    div: Float32Array | null,
    dims: Int32Array,
  ): void;
  /** The fused L-GM loss (native/src/lgm_loss.cc); dims = [N, D, K, covariance, logDet]. */
  lgmLoss(
    x: Float32Array,
    means: Float32Array,
    logVar: Float32Array | null,
    logPriors: Float32Array | null,
    labels: Float32Array,
    packed: Float32Array,
    state: Float32Array,
    dims: Int32Array,
    alpha: number,
    minLogVariance: number,
  ): void;
  lgmLossGrad(
    dPacked: Float32Array,
    x: Float32Array,
    means: Float32Array,
    logVar: Float32Array | null,
    logPriors: Float32Array | null,
    labels: Float32Array,
    state: Float32Array,
    dx: Float32Array,
    dmu: Float32Array,
    dLogVar: Float32Array | null,
    dLogPriors: Float32Array | null,
    dims: Int32Array,
    alpha: number,
    minLogVariance: number,
  ): void;
  /** y = (x - mean) scale / sqrt(variance + eps) + offset per channel; dims = [rows, channels] (batchnorm.cc). */
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    y: Float32Array,
    dims: Int32Array,
    eps: number,
  ): void;
  /** All five gradients of batchNorm in two passes; dims = [rows, channels]. */
  batchNormGrad(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    scale: Float32Array | null,
    dx: Float32Array,
    dmean: Float32Array,
    dvariance: Float32Array,
    dscale: Float32Array,
    doffset: Float32Array,
    dims: Int32Array,
    eps: number,
  ): void;
  /**
   * Batch norm in training: the statistics of x, then y (batchnorm.cc); dims = [rows, channels]. With the moving
   * averages, also their update by tfjs-layers' rule: new = moving - (moving - statistic) decay.
   */
  batchNormTrain(
    x: Float32Array,
    scale: Float32Array | null,
    offset: Float32Array | null,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dims: Int32Array,
    eps: number,
    ...moving:
      | []
      | [Float32Array, Float32Array, number, Float32Array, Float32Array]
      // The last: y = relu(batch norm) in the same pass (LgmBatchNormReluTrain).
      // With a shortcut: y = relu(batch norm + shortcut) (LgmBatchNormAddReluTrain).
      | [Float32Array, Float32Array, number, Float32Array, Float32Array, boolean, (Float32Array | null)?]
  ): void;
  /** Its gradient, through the statistics too; dmean and dvariance are the statistics' upstream gradients. */
  batchNormTrainGrad(
    dy: Float32Array,
    x: Float32Array,
    scale: Float32Array | null,
    mean: Float32Array,
    variance: Float32Array,
    dmean: Float32Array | null,
    dvariance: Float32Array | null,
    dx: Float32Array,
    dscale: Float32Array,
    doffset: Float32Array,
    dims: Int32Array,
    eps: number,
    /** The output of the forward pass with ReLU: dy is masked by step(y) first (LgmBatchNormReluTrainGrad). */
    y?: Float32Array | null,
    /** Written with the masked dy, the shortcut's gradient (LgmBatchNormAddReluTrainGrad). */
    dshortcut?: Float32Array | null,
  ): void;
}

/** The addon, or why it is not available. */
export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Where `npm install` builds the addon (scripts/native-build via native/install.mjs). */
export const ADDON_PATH = new URL('../../../native/build/Release/lgm_native.node', import.meta.url);

let cached: AddonLoad | undefined;

/**
 * Loads the addon with OpenMP's passive wait policy unless the user chose one (OMP_WAIT_POLICY or
 * GOMP_SPINCOUNT): libgomp reads it once, when oneDNN pulls it in, so it is set just for the load and then
 * removed again (child processes do not inherit it). By default idle OpenMP threads spin at each barrier; when the
 * cores are shared with other processes, the spinning thread takes CPU from the one doing the work, and training
 * ran 2-3 times slower (docs/native.md, "Measured speed").
 */
function withPassiveOpenMp(load: () => unknown): NativeAddon {
  const choose = process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined;
  if (choose) process.env.OMP_WAIT_POLICY = 'passive';
  try {
    return load() as NativeAddon;
  } finally {
    if (choose) delete process.env.OMP_WAIT_POLICY;
  }
}

/**
 * The values of $LGM_CONV_LAYOUT, which native/src/conv_tune.cc reads: one convolution variant for all (nhwc,
 * blocked, winograd) or oneDNN's direct ones only (direct); unset or empty, the default choice.
 */
export const CONV_LAYOUTS = ['nhwc', 'blocked', 'winograd', 'direct'] as const;

/**
 * Loads the addon once. $LGM_NATIVE=0 (or 'off', 'false') disables it, so the fallback path can be forced
 * (tests, comparisons); it is read on each call until the addon has been loaded. Throws an LgmError when
 * $LGM_CONV_LAYOUT has a value the addon does not know (it would otherwise be ignored without a word).
 */
export function loadAddon(): AddonLoad {
  const setting = (process.env.LGM_NATIVE ?? '').toLowerCase();
  if (['0', 'off', 'false'].includes(setting)) {
    return { addon: null, reason: `disabled by LGM_NATIVE=${process.env.LGM_NATIVE}` };
  }
  const layout = process.env.LGM_CONV_LAYOUT ?? '';
  if (layout !== '' && !(CONV_LAYOUTS as readonly string[]).includes(layout)) {
    throw new LgmError(
      `LGM_CONV_LAYOUT must be one of ${CONV_LAYOUTS.join(', ')} (or unset), got '${layout}'`,
    );
  }
  if (cached === undefined) {
    try {
      cached = {
        addon: withPassiveOpenMp(() => createRequire(import.meta.url)(ADDON_PATH.pathname)),
        reason: null,
      };
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      cached = {
        addon: null,
        reason:
          `addon not built (${message}); install libdnnl-dev, g++ and make ` +
          '(.ci/install-native.sh), then run `npm rebuild lgm` or `npm run build:native`',
      };
    }
  }
  return cached;
}
