/**
 * Floating-point operations of a training step or a forward pass, counted from a model's layers, so that a
 * benchmark can say what fraction of the machine's measured peak (src/bench/peak.ts) a step uses.
 *
 * What is counted: the convolutions' and matrix products' multiply-adds, 2 FLOPs each (the "model FLOPs" of
 * the literature: the work the maths needs, not what a particular kernel executes). Element-wise work (bias,
 * batch norm, activations, pooling, the optimizer update) is not counted: it is memory-bound and small in FLOPs.
 *
 * Per layer with a product, F = its forward FLOPs over a batch of N:
 * - Conv2D: F = 2 N Ho Wo Co (kh kw Ci); DepthwiseConv2D: F = 2 N Ho Wo (Ci m) (kh kw); Dense: F = 2 N' In Out,
 *   N' = N times the input's inner dimensions (a Dense on [N, T, In] multiplies N T rows).
 * - Training: forward F, weight gradient F, input gradient F, except that the input gradient is not computed
 *   (TF.js prunes it, as PyTorch does) where no trainable weight lies between the model's input and the layer.
 * Heads (features [N, D], K classes): softmax dense head 2NDK forward, + 4NDK backward (input and weight
 * gradients); L-GM identity/isotropic the same (the distance's cross term x mu^T, then its two gradients);
 * L-GM diagonal twice that (x^2 (1/s^2)^T and x (mu/s^2)^T forward, four products backward).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { LgmError } from '../../util/errors.js';

/** FLOPs of one pass, split as the formula above. */
export interface FlopCount {
  /** Forward FLOPs. */
  forward: number;
  /** Backward FLOPs (weight and input gradients); 0 for inference. */
  backward: number;
  /** forward + backward. */
  total: number;
  /** Layers with a product that this counter does not know (their FLOPs are missing from the totals). */
  uncounted: string[];
}

/** Layer classes whose product this module counts. */
const PRODUCT_LAYERS = ['Conv2D', 'DepthwiseConv2D', 'Dense'] as const;
/** Layer classes with products that are not counted (reported in `uncounted` when a model has them). */
const UNKNOWN_PRODUCT_LAYERS = [
  'Conv1D',
  'Conv3D',
  'Conv2DTranspose',
  'Conv3DTranspose',
  'SeparableConv2D',
  'SimpleRNN',
  'LSTM',
  'GRU',
];

const numel = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

/** Shape of a layer's single output, without the batch dimension. */
function outputShape(layer: tfl.layers.Layer): number[] {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) {
    throw new LgmError(`countFlops: layer ${layer.name} must have one output, got ${JSON.stringify(shape)}`);
  }
  return (shape as (number | null)[]).slice(1).map((d) => d ?? 1);
}

/** The kernel's shape of a product layer (its first weight: Conv2D HWIO, Dense [in, out], depthwise HWIM). */
function kernelShape(layer: tfl.layers.Layer): number[] {
  const kernel = layer.weights[0];
  if (kernel === undefined) {
    throw new LgmError(`countFlops: layer ${layer.name} must be built (have a kernel), got no weights`);
  }
  return kernel.shape.map((d) => d ?? 1);
}

/** Forward FLOPs of one product layer for one input (batch 1). */
function layerForwardFlops(layer: tfl.layers.Layer): number {
  const kind = layer.getClassName();
  const out = outputShape(layer);
  const kernel = kernelShape(layer);
  if (kind === 'Conv2D') {
    const [kh, kw, ci] = kernel;
    return 2 * numel(out) * kh * kw * ci;
  }
  if (kind === 'DepthwiseConv2D') {
    const [kh, kw] = kernel;
    return 2 * numel(out) * kh * kw;
  }
  const [inputs] = kernel;
  return 2 * numel(out) * inputs; // Dense: out = [..., units]
}

/** The layers feeding `layer` (empty for an input layer). */
function inboundLayers(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] }).inboundNodes;
  return nodes.flatMap((node) => node.inboundLayers);
}

/**
 * FLOPs of a batch of `batch` inputs through `model`: forward only (`training` false) or a training step's
 * forward and backward (`training` true). Layers are visited in the model's topological order.
 */
export function countModelFlops(model: tfl.LayersModel, batch: number, training: boolean): FlopCount {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new LgmError(`countModelFlops: batch must be an integer >= 1, got ${String(batch)}`);
  }
  // Whether a layer's output depends on a trainable weight, i.e. whether a gradient flows through it.
  const dependsOnWeights = new Map<tfl.layers.Layer, boolean>();
  let forward = 0;
  let backward = 0;
  const uncounted: string[] = [];
  for (const layer of model.layers) {
    const inbound = inboundLayers(layer);
    const gradientIn = inbound.some((l) => dependsOnWeights.get(l) === true);
    dependsOnWeights.set(layer, gradientIn || layer.trainableWeights.length > 0);
    const kind = layer.getClassName();
    if (UNKNOWN_PRODUCT_LAYERS.includes(kind)) uncounted.push(`${layer.name} (${kind})`);
    if (!(PRODUCT_LAYERS as readonly string[]).includes(kind)) continue;
    const f = batch * layerForwardFlops(layer);
    forward += f;
    if (training) backward += (layer.trainable ? f : 0) + (gradientIn ? f : 0);
  }
  return { forward, backward, total: forward + backward, uncounted };
}

/** Heads whose products countHeadFlops knows. */
export type HeadKind = 'softmax' | 'identity' | 'isotropic' | 'diagonal';

/** FLOPs of a head on features [n, d] with k classes: forward, and backward when `training`. */
export function countHeadFlops(
  kind: HeadKind,
  n: number,
  d: number,
  k: number,
  training: boolean,
): FlopCount {
  for (const [name, v] of [
    ['n', n],
    ['d', d],
    ['k', k],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new LgmError(`countHeadFlops: ${name} must be an integer >= 1, got ${String(v)}`);
    }
  }
  const products = kind === 'diagonal' ? 2 : 1;
  const forward = products * 2 * n * d * k;
  const backward = training ? 2 * forward : 0;
  return { forward, backward, total: forward + backward, uncounted: [] };
}

/** The sum of several counts. */
export function addFlops(...counts: FlopCount[]): FlopCount {
  const forward = counts.reduce((s, c) => s + c.forward, 0);
  const backward = counts.reduce((s, c) => s + c.backward, 0);
  return { forward, backward, total: forward + backward, uncounted: counts.flatMap((c) => c.uncounted) };
}
