import type { Command } from '../command.js';
import { attackCommand } from './attack.js';
import { benchCommand } from './bench.js';
import { blobsCommand } from './blobs.js';
import { demoCommand } from './demo.js';
import { detectCommand } from './detect.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { plotCommand } from './plot.js';
import { reproduceCommand } from './reproduce.js';
import { trainCommand } from './train.js';

/** Every subcommand, in the order `lgm --help` lists them: the main job, then the workflow, then extras. */
export const commands: readonly Command[] = [
  demoCommand,
  trainCommand,
  evalCommand,
  attackCommand,
  detectCommand,
  exportCommand,
  plotCommand,
  reproduceCommand,
  blobsCommand,
  benchCommand,
];
