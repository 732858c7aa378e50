import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { LgmError } from '../util/errors.js';
import { tfjsNormalSeed } from '../util/random.js';
import { checkInputShape } from './mlp.js';
import { residualAdd } from './residual-add.js';
import { batchNormalization } from './batch-norm.js';
import { inputConv2d } from './input-conv.js';
import { withFoldedInference } from './folded-inference.js';
import { withLeanTraining } from './lean-training.js';

/** Depths of the CIFAR ResNets of He et al. 2016 (6n + 2 layers). */
export const RESNET_DEPTHS = [20, 32, 56, 110] as const;
/** The depths of the CIFAR ResNets (6n + 2). */
export type ResNetDepth = (typeof RESNET_DEPTHS)[number];

/** Options of the CIFAR ResNets. */
export interface CifarResNetOptions {
  /** Depth 20 | 32 | 56 | 110. Required. */
  depth: ResNetDepth;
  /** Feature width: 64 (the pooled output of the last stage) or any width >= 1 via a linear layer. Default 64. */
  featureDim?: number;
  /** Input image shape [H, W, C]. Default [32, 32, 3] (CIFAR). */
  inputShape?: [number, number, number];
  /** Seed of the weight initialisers (each layer gets seed + its index). Default 0. */
  seed?: number;
}

/**
 * He et al.'s "option A" shortcut: subsample by 2 and zero-pad the new channels, so the identity path has no
 * parameters. Subsampling is a 1x1 average pool with stride 2 (tfjs-core has no StridedSlice gradient).
 */
class ShortcutA extends tfl.layers.Layer {
  static className = 'LgmShortcutA';
  private readonly extraChannels: number;

  constructor(config: { extraChannels: number; name: string }) {
    super({ name: config.name });
    this.extraChannels = config.extraChannels;
  }

  override computeOutputShape(inputShape: tfl.Shape): tfl.Shape {
    const [n, h, w, c] = inputShape as (number | null)[];
    const half = (s: number | null) => (s === null ? null : Math.ceil(s / 2));
    return [n, half(h), half(w), c === null ? null : c + this.extraChannels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const sub = tf.avgPool(x, 1, 2, 'valid');
      const pad = this.extraChannels;
      return tf.pad(sub, [
        [0, 0],
        [0, 0],
        [0, 0],
        [Math.floor(pad / 2), pad - Math.floor(pad / 2)],
      ]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), extraChannels: this.extraChannels };
  }
}
tf.serialization.registerClass(ShortcutA);

/**
 * CIFAR ResNet-20/32/56/110 (He et al. 2016, section 4.2): a 3x3 convolution with 16 filters, then three stages
 * of n = (depth - 2) / 6 basic blocks with 16/32/64 filters (stride 2 at the start of stages 2 and 3, option-A
 * shortcuts), batch normalisation and ReLU, global average pooling to a 64-wide feature. In inference, each
 * batch norm runs folded into the convolution before it (withFoldedInference).
 */
export function cifarResNet(options: CifarResNetOptions): tfl.LayersModel {
  const where = 'cifarResNet';
  checkKnownKeys(where, options, ['depth', 'featureDim', 'inputShape', 'seed']);
  if (!(RESNET_DEPTHS as readonly unknown[]).includes(options.depth)) {
    throw new LgmError(
      `${where}: options.depth must be one of ${RESNET_DEPTHS.join(', ')}, got ${String(options.depth)}`,
    );
  }
  const featureDim = numberOption(where, 'options.featureDim', options.featureDim, 64, {
    min: 1,
    integer: true,
  });
  const seed = numberOption(where, 'options.seed', options.seed, 0, { integer: true });
  const inputShape = checkInputShape(where, options.inputShape ?? [32, 32, 3]);
  if (inputShape.length !== 3) {
    throw new LgmError(`${where}: options.inputShape must be [H, W, C], got [${inputShape.join(',')}]`);
  }
  let index = 0;
  const conv = (x: tfl.SymbolicTensor, filters: number, strides: number, name: string) =>
    (x === input ? inputConv2d : tfl.layers.conv2d)({
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: tfl.initializers.heNormal({ seed: tfjsNormalSeed(seed + index++) }),
      name,
    }).apply(x) as tfl.SymbolicTensor;
  const bn = (x: tfl.SymbolicTensor, name: string) =>
    batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers.reLU({ name }).apply(x) as tfl.SymbolicTensor;

  const blocks = (options.depth - 2) / 6;
  const input = tfl.input({ shape: inputShape, name: 'image' });
  let x = relu(bn(conv(input, 16, 1, 'conv0'), 'bn0'), 'relu0');
  let channels = 16;
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let b = 0; b < blocks; b++) {
      const id = `s${stage + 1}b${b + 1}`;
      const strides = stage > 0 && b === 0 ? 2 : 1;
      let y = relu(bn(conv(x, filters, strides, `${id}_conv1`), `${id}_bn1`), `${id}_relu1`);
      y = bn(conv(y, filters, 1, `${id}_conv2`), `${id}_bn2`);
      const shortcut =
        strides === 1 && channels === filters
          ? x
          : (new ShortcutA({ extraChannels: filters - channels, name: `${id}_shortcut` }).apply(
              x,
            ) as tfl.SymbolicTensor);
      x = relu(residualAdd(`${id}_add`).apply([y, shortcut]) as tfl.SymbolicTensor, `${id}_relu2`);
      channels = filters;
    }
  }
  let feature = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  if (featureDim !== 64) {
    feature = tfl.layers
      .dense({
        units: featureDim,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + index++ }),
        name: 'feature',
      })
      .apply(feature) as tfl.SymbolicTensor;
  }
  // Inference folds each batch norm into the convolution before it (folded-inference.ts).
  const model = tfl.model({ inputs: input, outputs: feature, name: `resnet${options.depth}` });
  return withLeanTraining(withFoldedInference(model));
}
