import type * as tfl from '@tensorflow/tfjs-layers';
import { LgmError, describe } from '../util/errors.js';
import { checkKnownKeys, choiceOption } from '../util/options.js';
import { leNetPP } from './lenetpp.js';
import { mlp } from './mlp.js';
import { cifarResNet, ResNetDepth } from './resnet.js';

/** Every network `lgm train --net` accepts. */
export const NETWORK_NAMES = ['lenetpp', 'mlp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'] as const;
/** The name of a built-in network (`lgm train --net`). */
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** What every network needs to be built; the defaults of each network apply to undefined fields. */
export interface NetworkOptions {
  /** Feature width D >= 1. Default: 2 for lenetpp and mlp, 64 for the ResNets. */
  featureDim?: number;
  /** Shape of one input, e.g. [28, 28, 1]. Required (the dataset's image shape). */
  inputShape: number[];
  /** Seed of the weight initialisers. Default 0. */
  seed?: number;
  /** Hidden widths of the MLP (mlp only). Default [64]. */
  hidden?: number[];
}

/** Builds a network by name: a LayersModel mapping inputs [N, ...inputShape] to features [N, D]. */
export function buildNetwork(name: string, options: NetworkOptions): tfl.LayersModel {
  const where = 'buildNetwork';
  const net = choiceOption(where, 'network', name, NETWORK_NAMES);
  checkKnownKeys(where, options, ['featureDim', 'inputShape', 'seed', 'hidden']);
  const { featureDim, inputShape, seed, hidden } = options;
  if (hidden !== undefined && net !== 'mlp') {
    throw new LgmError(`${where}: options.hidden applies only to network 'mlp', got network '${net}'`);
  }
  const image = () => {
    if (!Array.isArray(inputShape) || inputShape.length !== 3) {
      throw new LgmError(
        `${where}: network '${net}' needs an image inputShape [H, W, C], got ${describe(inputShape)}`,
      );
    }
    return inputShape as [number, number, number];
  };
  if (net === 'mlp') return mlp({ featureDim, inputShape, seed, hidden });
  if (net === 'lenetpp') return leNetPP({ featureDim, inputShape: image(), seed });
  const depth = Number(net.slice('resnet'.length)) as ResNetDepth;
  return cifarResNet({ depth, featureDim, inputShape: image(), seed });
}

/** Feature width of a built network (its output's last dimension). */
export function featureWidth(model: tfl.LayersModel): number {
  const shape = model.outputs[0].shape;
  return shape[shape.length - 1] as number;
}
