import '../util/tf-gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { reduceLoss } from '../losses/reduce.js';
import type { LossStepValues } from '../losses/module.js';
import type { TrainableModel } from './model.js';
import { releasingVariableGrads } from '../util/releasing-gradients.js';

/** The scalars of one batch's loss, and the logits whose argmax counts as the batch's predictions. */
export interface ObjectiveValue {
  /** The total loss that is minimised. */
  loss: tf.Scalar;
  /** Its classification term (the loss itself when there is no other). */
  classificationLoss: tf.Scalar;
  /** Its auxiliary term before weighting (0 when there is none). */
  auxiliaryLoss: tf.Scalar;
  /** Logits [N,K] whose argmax is compared with the labels for the training accuracy. */
  logits: tf.Tensor2D;
}

/**
 * What a training step minimises: the loss of one batch (inputs, int32 labels) in training mode. It runs inside
 * tf.variableGrads, so it must be differentiable in the trained variables and must not read tensors back.
 */
export type StepObjective = (x: tf.Tensor, y: tf.Tensor1D, values: LossStepValues) => ObjectiveValue;

/** The numbers one training step reads back to the host. */
export interface StepMetrics {
  loss: number;
  classificationLoss: number;
  auxiliaryLoss: number;
  /** Fraction of the batch whose predicted class is the label. */
  accuracy: number;
}

/**
 * The objective of a TrainableModel: network features in training mode, the loss module's per-sample loss
 * reduced by the shared reducer. Accuracy uses the inference logits (no margin).
 */
export function modelObjective(model: TrainableModel): StepObjective {
  return (x, y, values) => {
    const features = model.net.apply(x, { training: true }) as tf.Tensor2D;
    // The compute methods run unchecked: the batch comes from a checked data source, and the step reads back
    // only the scalars it reports (whose loss the caller checks is finite).
    const reduced = reduceLoss(model.loss.computePerSample(features, y, values));
    return {
      loss: reduced.loss,
      classificationLoss: reduced.classificationLoss,
      auxiliaryLoss: reduced.auxiliaryLoss,
      logits: model.loss.computeLogits(features),
    };
  };
}

/**
 * One forward/backward pass on one batch and `update` of the variables with the gradients (keyed by variable
 * name; the optimizer's apply). The four scalars come back in a single read (one host synchronisation per
 * step); nothing else is read. The caller disposes the batch.
 */
export function trainStep(
  objective: StepObjective,
  varList: tf.Variable[],
  batch: { x: tf.Tensor; y: tf.Tensor1D },
  values: LossStepValues,
  update: (grads: Record<string, tf.Tensor>) => void,
): StepMetrics {
  const kept: tf.Tensor[] = [];
  const { value, grads } = releasingVariableGrads(() => {
    const out = objective(batch.x, batch.y, values);
    const correct = tf.mean(tf.cast(tf.equal(tf.argMax(out.logits, 1), batch.y), 'float32'));
    kept.push(tf.keep(tf.stack([out.loss, out.classificationLoss, out.auxiliaryLoss, correct])));
    return out.loss;
  }, varList);
  try {
    update(grads);
    const [loss, classificationLoss, auxiliaryLoss, accuracy] = kept[0].dataSync();
    return { loss, classificationLoss, auxiliaryLoss, accuracy };
  } finally {
    tf.dispose([value, ...kept, ...Object.values(grads)]);
  }
}
