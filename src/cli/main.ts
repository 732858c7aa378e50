#!/usr/bin/env node
import { LgmError } from '../util/errors.js';
import { fsReason, isFsError } from '../io/fs-errors.js';
import { commands } from './commands/index.js';
import { packageVersion } from '../util/version.js';

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'lgm: the large-margin Gaussian Mixture (L-GM) loss for TensorFlow.js',
    '',
    'Usage: lgm <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    "  --help, -h     show this help (or a command's help: lgm <command> --help)",
    '  --version, -v  print the version',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(helpText());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    console.log(packageVersion());
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    console.error(
      `lgm: unknown command '${first}', expected one of ${commands.map((c) => c.name).join(', ')}`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usageFor?.(rest) ?? command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof LgmError || (err instanceof TypeError && 'code' in err)) {
      console.error(`lgm ${command.name}: ${err.message}`);
      return 2;
    }
    // A file-system error no writer wrapped (every known one is): still a one-line message, never a stack.
    if (isFsError(err)) {
      const reads = ['read', 'scandir', 'stat', 'lstat', 'access', 'readlink', 'realpath', 'opendir'];
      // open serves readers and writers alike.
      const action = reads.includes(err.syscall ?? '') ? 'read' : err.syscall === 'open' ? 'open' : 'write';
      console.error(
        `lgm ${command.name}: cannot ${action} ${err.path ?? '(unknown path)'}: ${fsReason(err)}`,
      );
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
