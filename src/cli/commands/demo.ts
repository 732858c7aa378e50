import type { Command } from '../command.js';
import { blobsCommand } from './blobs.js';

/** The main job. For now the synthetic-blob example; the MNIST LeNet++ run replaces it (issue #6). */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job (for now: the synthetic-blob example, `lgm blobs`)',
  usage: blobsCommand.usage.replace('lgm blobs', 'lgm demo'),
  run: (argv) => blobsCommand.run(argv),
};
