import type * as tfl from '@tensorflow/tfjs-layers';
import { buildPlan, runPlan, type Plan } from './folded-inference.js';

type CallArgs = Parameters<tfl.LayersModel['call']>;

/**
 * Makes `model`'s training calls (model.apply with `training: true`) free each layer's output after the last
 * layer that reads it. tfjs-layers' executor frees them only in inference: in training it keeps every layer's
 * output until the whole forward pass returns, although the gradient tape keeps its own references (clones) of
 * what the backward pass needs. So a ResNet's forward pass peaked with every batch norm's and residual add's
 * output alive at once. The layers run their own calls in the executor's order, so the values and gradients are
 * the same; only when tensors are freed changes. A batch norm or a residual add whose only reader is a ReLU, and
 * a batch norm whose only reader is such an add, run with them as one kernel each way where the native kernels
 * allow (fused-training.ts; LGM_FUSE=0 turns that off), with the same values. Models of another shape (several outputs, shared layers, layers with several inbound
 * nodes) run as before. Inference calls go to the model's previous call. Returns the model.
 */
export function withLeanTraining(model: tfl.LayersModel): tfl.LayersModel {
  if (model.outputs.length !== 1) return model;
  const previous = model.call.bind(model);
  const state: { plan: Plan | null | undefined } = { plan: undefined };
  model.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) => {
    if (kwargs?.training !== true) return previous(inputs, kwargs);
    state.plan = state.plan === undefined ? buildPlan(model, false) : state.plan;
    if (state.plan === null) return previous(inputs, kwargs);
    return runPlan(model, state.plan, Array.isArray(inputs) ? inputs : [inputs], kwargs);
  };
  return model;
}
