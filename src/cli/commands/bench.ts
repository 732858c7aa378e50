import { benchmarks } from '../bench/index.js';
import { LgmError } from '../../util/errors.js';
import type { Command } from '../command.js';

const names = () => benchmarks.map((b) => b.name).join(', ');

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks that print one JSON object each (lgm bench --help lists them)',
  get usage() {
    const lines = benchmarks.map((b) => `  ${b.name.padEnd(8)}  ${b.summary}`);
    return ['Usage: lgm bench <target> [options]', '', 'Targets:', ...lines].join('\n');
  },
  usageFor(argv) {
    return benchmarks.find((b) => b.name === argv[0])?.usage ?? this.usage;
  },
  async run(argv) {
    const [target, ...rest] = argv;
    const bench = benchmarks.find((b) => b.name === target);
    if (bench === undefined) {
      throw new LgmError(
        `bench: target must be one of ${names()}, got ${target === undefined ? 'nothing' : `'${target}'`}`,
      );
    }
    const result = await bench.run(rest);
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
