import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * The layer patterns the execution plans of folded-inference.ts look for: which layer alone reads a tensor, and
 * which layers are plain convolutions, channel batch norms and ReLUs.
 */

type Layer = tfl.layers.Layer;

/** A layer's variable `name` (kernel, bias, gamma, ...), as tfjs-layers names it within the layer's scope. */
export function variable(layer: Layer, name: string) {
  return layer.weights.find((w) => w.originalName.split('/').pop() === name);
}

/** The only layer reading symbolic tensor `id`, if exactly one step reads it and it is not a model output. */
export function soleReader(model: tfl.LayersModel, layers: Layer[], id: number): Layer | null {
  if (model.outputs.some((o) => o.id === id)) return null;
  const readers = layers.filter((l) => l.inboundNodes[0]!.inputTensors.some((t) => t.id === id));
  return readers.length === 1 ? readers[0]! : null;
}

export function isPlainConv(layer: Layer): boolean {
  if (layer.getClassName() !== 'Conv2D') return false;
  const c = layer.getConfig();
  return (
    c.activation === 'linear' && c.dataFormat === 'channelsLast' && variable(layer, 'kernel') !== undefined
  );
}

export function isChannelBatchNorm(layer: Layer): boolean {
  if (layer.getClassName() !== 'BatchNormalization') return false;
  const axis = layer.getConfig().axis;
  const rank = layer.inboundNodes[0]!.inputTensors[0]!.shape.length;
  return (axis === -1 || axis === rank - 1) && variable(layer, 'moving_mean') !== undefined;
}

export function isRelu(layer: Layer | null): boolean {
  if (layer === null || layer.inboundNodes.length !== 1) return false;
  const c = layer.getConfig();
  if (layer.getClassName() === 'ReLU') return c.maxValue === null || c.maxValue === undefined;
  return layer.getClassName() === 'Activation' && c.activation === 'relu';
}

/** The ReLU layer that alone reads `layer`'s output (not a model output), else null. */
export function soleRelu(model: tfl.LayersModel, layers: Layer[], layer: Layer): Layer | null {
  const relu = soleReader(model, layers, layer.inboundNodes[0]!.outputTensors[0]!.id);
  return isRelu(relu) ? relu : null;
}

/**
 * Each channel batch norm read only by a two-input Add that is read only by a ReLU, mapped to that Add (the
 * fused step runs at the Add's place in the plan, where its other input, the shortcut, is computed).
 */
export function batchNormsBeforeAddRelu(model: tfl.LayersModel, layers: Layer[]): Map<Layer, Layer> {
  const found = new Map<Layer, Layer>();
  for (const add of layers) {
    const inputs = add.inboundNodes[0]?.inputTensors ?? [];
    if (add.getClassName() !== 'Add' || inputs.length !== 2 || soleRelu(model, layers, add) === null)
      continue;
    const bn = inputs
      .map((t) => t.sourceLayer as Layer)
      .find(
        (l) =>
          isChannelBatchNorm(l) &&
          l.inboundNodes.length === 1 &&
          soleReader(model, layers, l.inboundNodes[0]!.outputTensors[0]!.id) === add,
      );
    if (bn !== undefined && inputs[0]!.id !== inputs[1]!.id) found.set(bn, add);
  }
  return found;
}

/** The symbolic id of a ReLU layer's output. */
export function reluOutput(relu: Layer): number {
  return relu.inboundNodes[0]!.outputTensors[0]!.id;
}
