import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LGM_ADD_RELU } from '../util/add-relu-kernel.js';
import { addRelu, batchNormAddRelu, batchNormRelu } from './fused-training.js';
import {
  batchNormsBeforeAddRelu,
  isChannelBatchNorm,
  isPlainConv,
  isRelu,
  reluOutput,
  soleReader,
  soleRelu,
  variable,
} from './plan-patterns.js';

type Layer = tfl.layers.Layer;
type CallArgs = Parameters<tfl.LayersModel['call']>;

/** Conv2D followed by BatchNormalization (and ReLU), run as one convolution with bias and activation. */
interface FoldedStep {
  kind: 'folded';
  conv: Layer;
  bn: Layer;
  relu: boolean;
  input: number;
  output: number;
  /** The folded filter and bias, and the variables' data they were computed from (dataId: new on every write). */
  cache: { from: object[]; filter: tf.Tensor4D; bias: tf.Tensor1D } | null;
}

/** Any other layer, applied as tfjs-layers' executor applies it. */
interface LayerStep {
  kind: 'layer';
  layer: Layer;
  inputs: number[];
  output: number;
}

/** GlobalAveragePooling2D (NHWC) as one average pool over the whole image (native where tf.mean over [1, 2] is not). */
interface PoolStep {
  kind: 'pool';
  input: number;
  output: number;
}

/**
 * Add of two tensors followed by ReLU: one LgmAddRelu pass where registered. In a training plan, with the two
 * layers, which run instead where the kernel does not (fused-training.ts).
 */
interface AddReluStep {
  kind: 'add-relu';
  inputs: number[];
  output: number;
  layers?: { add: Layer; relu: Layer };
}

/** Training only: a batch norm read only by a ReLU, as one kernel each way where possible (fused-training.ts). */
interface BatchNormReluStep {
  kind: 'bn-relu';
  bn: Layer;
  relu: Layer;
  input: number;
  output: number;
}

/**
 * Training only: a batch norm read only by an Add of two tensors read only by a ReLU, as one kernel each way where
 * possible (fused-training.ts); inputs are the batch norm's input and the Add's other input.
 */
interface BatchNormAddReluStep {
  kind: 'bn-add-relu';
  layers: { bn: Layer; add: Layer; relu: Layer };
  inputs: number[];
  /** Whether the batch norm's output is the Add's first input. */
  bnFirst: boolean;
  output: number;
}

type Step = FoldedStep | LayerStep | PoolStep | AddReluStep | BatchNormReluStep | BatchNormAddReluStep;

export interface Plan {
  steps: Step[];
  /** Symbolic tensor id -> how many steps read it (model outputs never reach 0). */
  readers: Map<number, number>;
}

/**
 * The execution plan of a functional model whose layers each have one inbound node (in the order of
 * model.layers, which tfjs-layers sorts by depth), with every Conv2D -> BatchNormalization (-> ReLU) chain whose
 * intermediate tensors nothing else reads folded into one step; null for any other model, or one without such a
 * chain. With `fold` false (training), every layer is its own step (the layers' own calls, as tfjs-layers'
 * executor runs them), except that a channel batch norm or a two-input Add read only by a ReLU makes one step with
 * it, and so does a batch norm read only by such an Add with both (run fused where the kernels allow,
 * fused-training.ts); null only for a model of another shape.
 */
export function buildPlan(model: tfl.LayersModel, fold = true): Plan | null {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const computed = new Set(model.inputs.map((t) => t.id));
  const steps: Step[] = [];
  const folded = new Set<Layer>();
  if (layers.some((l) => l.inboundNodes.length !== 1)) return null;
  // Training: batch norms that run inside the step of the Add they feed.
  const deferred = fold ? new Map<Layer, Layer>() : batchNormsBeforeAddRelu(model, layers);
  const deferredAt = new Map([...deferred].map(([bn, add]) => [add, bn]));
  for (const layer of layers) {
    if (folded.has(layer) || deferred.has(layer)) continue;
    if (layer.inboundNodes.length !== 1 || layer.inboundNodes[0]!.outputTensors.length !== 1) return null;
    const node = layer.inboundNodes[0]!;
    const bnOfAdd = deferredAt.get(layer);
    if (bnOfAdd !== undefined) {
      const bnOut = bnOfAdd.inboundNodes[0]!.outputTensors[0]!.id;
      const shortcut = node.inputTensors.find((t) => t.id !== bnOut)!.id;
      const inputs = [bnOfAdd.inboundNodes[0]!.inputTensors[0]!.id, shortcut];
      if (!inputs.every((id) => computed.has(id))) return null;
      const relu = soleRelu(model, layers, layer)!;
      folded.add(relu);
      const bnFirst = node.inputTensors[0]!.id === bnOut;
      steps.push({
        kind: 'bn-add-relu',
        layers: { bn: bnOfAdd, add: layer, relu },
        inputs,
        bnFirst,
        output: reluOutput(relu),
      });
      computed.add(reluOutput(relu));
      continue;
    }
    if (!node.inputTensors.every((t) => computed.has(t.id))) return null;
    let output = node.outputTensors[0]!.id;
    if (!fold) {
      const inputs = node.inputTensors.map((t) => t.id);
      const relu = soleRelu(model, layers, layer);
      if (relu !== null && isChannelBatchNorm(layer)) {
        steps.push({ kind: 'bn-relu', bn: layer, relu, input: inputs[0]!, output: reluOutput(relu) });
      } else if (relu !== null && layer.getClassName() === 'Add' && inputs.length === 2) {
        steps.push({ kind: 'add-relu', inputs, output: reluOutput(relu), layers: { add: layer, relu } });
      } else {
        steps.push({ kind: 'layer', layer, inputs, output });
      }
      if (relu !== null && steps.at(-1)!.kind !== 'layer') folded.add(relu);
      computed.add(steps.at(-1)!.output);
      continue;
    }
    const bn = isPlainConv(layer) ? soleReader(model, layers, output) : null;
    if (bn !== null && isChannelBatchNorm(bn) && bn.inboundNodes.length === 1) {
      output = bn.inboundNodes[0]!.outputTensors[0]!.id;
      const relu = soleReader(model, layers, output);
      const fuseRelu = isRelu(relu);
      if (fuseRelu) output = relu!.inboundNodes[0]!.outputTensors[0]!.id;
      [bn, ...(fuseRelu ? [relu!] : [])].forEach((l) => folded.add(l));
      steps.push({
        kind: 'folded',
        conv: layer,
        bn,
        relu: fuseRelu,
        input: node.inputTensors[0]!.id,
        output,
        cache: null,
      });
    } else if (
      layer.getClassName() === 'Add' &&
      node.inputTensors.length === 2 &&
      isRelu(soleReader(model, layers, output))
    ) {
      const relu = soleReader(model, layers, output)!;
      folded.add(relu);
      output = relu.inboundNodes[0]!.outputTensors[0]!.id;
      steps.push({ kind: 'add-relu', inputs: node.inputTensors.map((t) => t.id), output });
    } else if (
      layer.getClassName() === 'GlobalAveragePooling2D' &&
      layer.getConfig().dataFormat === 'channelsLast'
    ) {
      steps.push({ kind: 'pool', input: node.inputTensors[0]!.id, output });
    } else {
      steps.push({ kind: 'layer', layer, inputs: node.inputTensors.map((t) => t.id), output });
    }
    computed.add(output);
  }
  if (!model.outputs.every((o) => computed.has(o.id))) return null;
  // Nothing to gain from folding: tfjs-layers' own executor.
  if (fold && !steps.some((step) => step.kind === 'folded')) return null;
  const readers = new Map<number, number>();
  const read = (id: number, n: number) => readers.set(id, (readers.get(id) ?? 0) + n);
  for (const step of steps) ('inputs' in step ? step.inputs : [step.input]).forEach((id) => read(id, 1));
  for (const o of model.outputs) read(o.id, Infinity);
  return { steps, readers };
}

/**
 * The folded filter and bias of a Conv2D -> BatchNormalization pair in inference: with k = gamma /
 * sqrt(movingVariance + epsilon) per output channel, filter k W and bias k (b - movingMean) + beta, so that
 * conv(x, k W) + bias = BatchNormalization(conv(x, W) + b) up to float rounding.
 */
function fold(step: FoldedStep): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const read = (layer: Layer, name: string) => variable(layer, name)?.read();
  const epsilon = step.bn.getConfig().epsilon as number;
  const gamma = read(step.bn, 'gamma');
  const inv = tf.rsqrt(tf.add(read(step.bn, 'moving_variance')!, epsilon));
  const k = gamma === undefined ? inv : tf.mul(gamma, inv);
  const beta = read(step.bn, 'beta');
  const convBias = read(step.conv, 'bias');
  const centred = tf.sub(convBias ?? tf.zerosLike(k), read(step.bn, 'moving_mean')!);
  const scaled = tf.mul(k, centred);
  return {
    filter: tf.mul(read(step.conv, 'kernel')!, k) as tf.Tensor4D,
    bias: (beta === undefined ? scaled : tf.add(scaled, beta)) as tf.Tensor1D,
  };
}

/** The variables a folded step depends on: their current data (a write gives a variable new data). */
function sources(step: FoldedStep): object[] {
  return [...step.conv.weights, ...step.bn.weights].map(
    (w) => (w.read() as unknown as { dataId: object }).dataId,
  );
}

/**
 * The folded weights of `step`: cached while no variable they come from has been written, else computed again
 * (the old ones disposed). Under a gradient tape they are computed in the graph instead, so that gradients with
 * respect to the weights stay exact.
 */
function foldedWeights(step: FoldedStep) {
  if (tf.engine().state.gradientDepth > 0) return fold(step);
  const from = sources(step);
  const fresh = step.cache !== null && step.cache.from.every((d, i) => d === from[i]);
  if (!fresh) {
    if (step.cache !== null) tf.dispose([step.cache.filter, step.cache.bias]);
    const { filter, bias } = tf.tidy(() => fold(step));
    step.cache = { from, filter: tf.keep(filter), bias: tf.keep(bias) };
  }
  return step.cache!;
}

export function runPlan(
  model: tfl.LayersModel,
  plan: Plan,
  inputs: tf.Tensor[],
  kwargs: CallArgs[1],
): tf.Tensor {
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>(model.inputs.map((t, i) => [t.id, inputs[i]!]));
    const left = new Map(plan.readers);
    // A value is disposed after its last reader, unless it is an input or another live value is the same tensor
    // (a layer may return its input, as Dropout does in inference).
    const done = (id: number) => {
      left.set(id, left.get(id)! - 1);
      const t = values.get(id)!;
      const live = [...values].some(([other, v]) => v === t && (left.get(other) ?? 0) > 0);
      if (!live && !inputs.includes(t)) t.dispose();
    };
    for (const step of plan.steps) {
      if (step.kind === 'folded') {
        const { filter, bias } = foldedWeights(step);
        const c = step.conv.getConfig();
        const y = tf.fused.conv2d({
          x: values.get(step.input)! as tf.Tensor4D,
          filter,
          bias,
          strides: c.strides as [number, number],
          pad: c.padding as 'same' | 'valid',
          dilations: c.dilationRate as [number, number],
          activation: step.relu ? 'relu' : 'linear',
        });
        values.set(step.output, y);
        done(step.input);
      } else if (step.kind === 'bn-relu') {
        values.set(step.output, batchNormRelu(step.bn, step.relu, values.get(step.input)!, kwargs));
        done(step.input);
      } else if (step.kind === 'bn-add-relu') {
        const [x, shortcut] = step.inputs.map((id) => values.get(id)!);
        values.set(step.output, batchNormAddRelu(step.layers, x!, shortcut!, step.bnFirst, kwargs));
        step.inputs.forEach(done);
      } else if (step.kind === 'add-relu' && step.layers !== undefined) {
        const [a, b] = step.inputs.map((id) => values.get(id)!);
        values.set(step.output, addRelu(step.layers.add, step.layers.relu, a!, b!, kwargs));
        step.inputs.forEach(done);
      } else if (step.kind === 'add-relu') {
        const [a, b] = step.inputs.map((id) => values.get(id)!);
        const fused =
          tf.getKernel(LGM_ADD_RELU, tf.getBackend()) !== undefined &&
          a!.dtype === 'float32' &&
          b!.dtype === 'float32' &&
          tf.util.arraysEqual(a!.shape, b!.shape);
        const y = fused ? tf.engine().runKernel(LGM_ADD_RELU, { a: a!, b: b! }) : tf.relu(tf.add(a!, b!));
        values.set(step.output, y as tf.Tensor);
        step.inputs.forEach(done);
      } else if (step.kind === 'pool') {
        const x = values.get(step.input)! as tf.Tensor4D;
        const [n, h, w, c] = x.shape;
        values.set(step.output, tf.reshape(tf.avgPool(x, [h, w], 1, 'valid'), [n, c]));
        done(step.input);
      } else {
        const xs = step.inputs.map((id) => values.get(id)!);
        values.set(step.output, step.layer.apply(xs.length === 1 ? xs[0]! : xs, kwargs) as tf.Tensor);
        step.inputs.forEach(done);
      }
    }
    return values.get(model.outputs[0]!.id)!;
  });
}

/**
 * Makes `model`'s inference calls (model.apply without `training: true`) run every Conv2D -> BatchNormalization
 * (-> ReLU) chain as one fused convolution with bias and activation, the batch norm folded into the filter and
 * bias (fold above): on the native addon one oneDNN primitive instead of a convolution, a batch-norm pass and a
 * ReLU pass. An Add read only by a ReLU runs as one LgmAddRelu pass where the addon registered it; global average
 * pooling as an average pool over the whole image (the addon has that kernel; it falls back for tf.mean over the
 * spatial axes). The folded weights are cached and recomputed when any of their variables is written (training,
 * loading weights). Training calls, models with several outputs or shared layers, and model.predict (which
 * tfjs-layers runs without model.call) run as before. The model's weights, config and saved form do not change.
 * Returns the model.
 */
export function withFoldedInference(model: tfl.LayersModel): tfl.LayersModel {
  if (model.outputs.length !== 1) return model;
  const own = model.call.bind(model);
  const ownDispose = model.dispose.bind(model);
  const state: { plan: Plan | null | undefined } = { plan: undefined };
  releasers.set(model, () => {
    for (const step of state.plan?.steps ?? []) {
      if (step.kind === 'folded' && step.cache !== null) tf.dispose([step.cache.filter, step.cache.bias]);
      if (step.kind === 'folded') step.cache = null;
    }
  });
  model.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    if (kwargs?.training) return own(inputs, kwargs);
    state.plan = state.plan === undefined ? buildPlan(model) : state.plan;
    if (state.plan === null) return own(inputs, kwargs);
    return runPlan(model, state.plan, Array.isArray(inputs) ? inputs : [inputs], kwargs);
  };
  model.dispose = () => {
    releaseFoldedWeights(model);
    return ownDispose();
  };
  return model;
}

/** Per patched model: frees its cached folded filters and biases (they are recomputed on the next call). */
const releasers = new WeakMap<tfl.LayersModel, () => void>();

/**
 * Frees the folded weights `withFoldedInference` cached for `model`, without disposing the model: for a model that
 * shares its layers with another one that owns them (a feature extractor cut from a whole model, whose dispose
 * would release the shared layers' weights). Does nothing for a model that was not patched.
 */
export function releaseFoldedWeights(model: tfl.LayersModel): void {
  releasers.get(model)?.();
}
