/**
 * What `lgm eval`, `lgm attack` and `lgm detect` accept as `--run`: a run directory of lgm train, a directory
 * written by lgm export, or `pretrained:<name>`. An export is opened as a run: its network and head become the
 * TrainableModel the commands already use, its metadata gives the config and the input normalisation.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLoss } from '../losses/registry.js';
import { LgmLossModule } from '../losses/lgm-module.js';
import type { MixtureFile } from '../detect/mixture-fit.js';
import { pixelClassifier } from '../detect/input-sets.js';
import { readMixtureFile } from '../run/mixture.js';
import { CONFIG_FILE } from '../run/layout.js';
import { resolveTrainConfig, upgradeSavedConfig } from '../train/config.js';
import { loadRun, type LoadedRun } from '../train/run.js';
import { asClassifier, type TrainableModel } from '../train/model.js';
import { LgmError } from '../util/errors.js';
import { type LgmModel, loadLgmModel } from './lgm-model.js';
import { PRETRAINED_PREFIX, resolvePretrained } from './pretrained.js';

/** An opened `--run`. */
export interface RunSource {
  run: LoadedRun;
  /** 'run' (lgm train's directory) or 'export' (lgm export's, pretrained ones included). */
  kind: 'run' | 'export';
  /** Where the command writes its outputs (and lgm detect reads adversarial sets). */
  outDir: string;
  /** The trained mixture of an L-GM model (the caller disposes it), null for other losses. */
  mixture(): Promise<MixtureFile | null>;
}

/** The TrainableModel of a loaded export: its feature network, and a loss module holding the head's weights. */
function exportedModel(lgm: LgmModel, config: ReturnType<typeof resolveTrainConfig>): TrainableModel {
  const meta = lgm.metadata;
  const loss = createLoss(config.loss.name, {
    ...config.loss.options,
    numClasses: meta.numClasses,
    featureDim: meta.featureDim,
    seed: config.seed + 1,
  });
  const gm = lgm.mixtureHead;
  const head = lgm.model.getLayer(meta.headLayer);
  const values: Record<string, tf.Tensor | undefined> =
    gm === null ? { kernel: head.weights[0]?.read(), bias: head.weights[1]?.read() } : { ...gm.params() };
  for (const w of loss.weights) {
    const value = values[w.name];
    if (value === undefined || value.shape.join(',') !== w.variable.shape.join(',')) {
      loss.dispose();
      throw new LgmError(
        `loadRun: the export's head must hold ${w.name} of shape [${w.variable.shape.join(',')}] for loss ${loss.name}, got ${value === undefined ? 'none' : `[${value.shape.join(',')}]`}`,
      );
    }
    w.variable.assign(value);
  }
  return {
    net: lgm.featureNetwork,
    loss,
    inputShape: meta.inputShape,
    numClasses: meta.numClasses,
    featureDim: meta.featureDim,
  };
}

/** The mixture of an L-GM loss module as a MixtureFile (copies: the caller disposes them). */
function moduleMixture(model: TrainableModel): MixtureFile | null {
  const loss = model.loss;
  if (!(loss instanceof LgmLossModule)) return null;
  const p = loss.params();
  const params = {
    means: tf.clone(p.means),
    ...(p.logVariances === undefined ? {} : { logVariances: tf.clone(p.logVariances) }),
    ...(p.logPriors === undefined ? {} : { logPriors: tf.clone(p.logPriors) }),
  };
  return {
    covariance: loss.options.covariance,
    params,
    dispose: () => tf.dispose([params.means, params.logVariances ?? [], params.logPriors ?? []].flat()),
  };
}

async function openExport(dir: string, outDir: string): Promise<RunSource> {
  const lgm = await loadLgmModel(dir);
  let model: TrainableModel;
  let config: ReturnType<typeof resolveTrainConfig>;
  try {
    // Re-resolving validates the stored config with the usual messages.
    config = resolveTrainConfig(upgradeSavedConfig(lgm.metadata.source.config) as never);
    model = exportedModel(lgm, config);
  } catch (error) {
    lgm.dispose();
    throw error;
  }
  const { mean, std } = lgm.metadata.normalization;
  const normalization = { mean: [...mean], std: [...std] };
  const run: LoadedRun = {
    config,
    classifier: pixelClassifier(asClassifier(model), normalization),
    normalization,
    model,
    state: { epoch: lgm.metadata.source.epoch, step: lgm.metadata.source.step },
    dispose: () => {
      model.loss.dispose();
      lgm.dispose();
    },
  };
  return {
    run,
    kind: 'export',
    outDir,
    mixture: async () => moduleMixture(model),
  };
}

function makeDir(where: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LgmError(`${where}: cannot write ${dir}: ${(error as Error).message}`);
  }
}

/**
 * Opens `spec` (a run directory, an export directory or `pretrained:<name>`) for command `where`. Outputs go to
 * `outDir` when given (created), else to the directory itself, or runs/pretrained-<name> for a shipped model
 * (the package folder stays untouched). `dataDir`: where an older run's training set is, to recompute its
 * normalisation (see loadRun).
 */
export async function openRunSource(
  where: string,
  spec: string,
  outDir?: string,
  dataDir?: string | null,
): Promise<RunSource> {
  if (outDir !== undefined) makeDir(where, outDir);
  if (spec.startsWith(PRETRAINED_PREFIX)) {
    const name = spec.slice(PRETRAINED_PREFIX.length);
    const dir = resolvePretrained(name);
    const out = outDir ?? join('runs', `pretrained-${name}`);
    makeDir(where, out);
    return openExport(dir, out);
  }
  if (!existsSync(join(spec, CONFIG_FILE)) && existsSync(join(spec, 'model.json'))) {
    return openExport(spec, outDir ?? spec);
  }
  const run = await loadRun(spec, dataDir === undefined ? {} : { dataDir });
  return {
    run,
    kind: 'run',
    outDir: outDir ?? spec,
    mixture: () => readMixtureFile(spec),
  };
}
