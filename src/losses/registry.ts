import { LgmError } from '../util/errors.js';
import { choiceOption } from '../util/options.js';
import { AmSoftmaxLoss } from './am-softmax.js';
import { ArcFaceLoss } from './arcface.js';
import { CenterLoss } from './center.js';
import { LgmLossModule } from './lgm-module.js';
import { LossModule } from './module.js';
import { SoftmaxLoss } from './softmax.js';

/** Every loss `lgm train --loss` accepts. */
export const LOSS_NAMES = ['softmax', 'center', 'am-softmax', 'arcface', 'lgm'] as const;
/** The name of a loss (`lgm train --loss`). */
export type LossName = (typeof LOSS_NAMES)[number];

/**
 * Creates a loss module by name. `options` holds numClasses, featureDim, seed and the loss's own options
 * (an option the chosen loss does not take is an error naming the valid ones).
 */
export function createLoss(name: string, options: Record<string, unknown>): LossModule {
  const loss = choiceOption('createLoss', 'loss', name, LOSS_NAMES);
  if (options === null || typeof options !== 'object') {
    throw new LgmError(`createLoss: options must be an object, got ${String(options)}`);
  }
  // Each constructor validates its own option set, so the casts only pass values on for checking.
  const o = options as never;
  switch (loss) {
    case 'softmax':
      return new SoftmaxLoss(o);
    case 'center':
      return new CenterLoss(o);
    case 'am-softmax':
      return new AmSoftmaxLoss(o);
    case 'arcface':
      return new ArcFaceLoss(o);
    case 'lgm':
      return new LgmLossModule(o);
  }
}
