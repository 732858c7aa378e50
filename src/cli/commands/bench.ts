import type { Command } from '../command.js';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks that print JSON (head)',
  usage: 'Usage: lgm bench head',
  async run() {
    return 0;
  },
};
