import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AttackName, NamedAttackSettings, attackOptions } from '../attacks/registry.js';
import { ATTACK_TABLE_HEADER, attackImages, attackLine } from '../attacks/run.js';
import { loadInputs } from '../detect/input-sets.js';
import { checkWritable } from '../io/atomic.js';
import { writing } from '../io/fs-errors.js';
import type { Classifier } from '../nets/classifier.js';
import { writeAdversarialSet } from './adversarial.js';
import { ADVERSARIAL_DIR } from './layout.js';

/** Options of `attackRunDir`. */
export interface AttackRunOptions {
  attacks: readonly AttackName[];
  settings: NamedAttackSettings;
  /** The first `limit` test images are attacked. */
  limit: number;
  /** Progress lines. Default console.log. */
  log?: (line: string) => void;
  /** The backend's name, for the first line. */
  backend?: string;
}

/**
 * Attacks the first test images of a run's dataset with each attack and writes each set with its features to
 * `<outDir>/adversarial/<attack>.json + .f32`. `classifier` takes pixel/255 inputs (loadRun's). The body of
 * `lgm attack` and of the demo's attacks.
 */
export async function attackRunDir(
  outDir: string,
  classifier: Classifier,
  dataset: { name: string; dataDir: string | null },
  options: AttackRunOptions,
): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Fail now if the sets cannot be written, not after the attacks.
  const dir = join(outDir, ADVERSARIAL_DIR);
  await writing(dir, () => mkdir(dir, { recursive: true }));
  checkWritable(join(dir, `${options.attacks[0]}.json`));
  const data = await loadInputs(dataset.name, {
    split: 'test',
    limit: options.limit,
    dataDir: dataset.dataDir,
  });
  try {
    const on = options.backend === undefined ? '' : `, backend ${options.backend}`;
    log(`lgm attack: ${data.indices.length} test images of ${dataset.name}${on}`);
    log(ATTACK_TABLE_HEADER);
    const labels = Array.from(data.y.dataSync());
    for (const name of options.attacks) {
      const attacked = attackImages(classifier, data.x, data.y, name, attackOptions(name, options.settings));
      try {
        await writeAdversarialSet(outDir, name, attacked.result, {
          attack: name,
          options: attacked.options,
          indices: data.indices,
          labels,
          features: attacked.features,
        });
      } finally {
        attacked.result.adversarial.dispose();
      }
      log(attackLine(attacked));
    }
  } finally {
    tf.dispose([data.x, data.y]);
  }
}
