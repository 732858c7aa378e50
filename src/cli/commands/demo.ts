import type { Command } from '../command.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a Gaussian-mixture head on synthetic 2-D blobs (the main job)',
  usage: 'Usage: lgm demo',
  async run() {
    console.log('demo: not yet');
    return 0;
  },
};
