/** Helpers of the fault-injection tests: child processes (to kill, to run concurrently) and the CLI in one. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a compiled module of this repository (dist/...), for child snippets. */
export function distModule(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export const CLI = distModule('src/cli/main.js');

/** How a child process ended. */
export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args`; `signalOn` sends `signal` once, when the output first matches `pattern`. */
export function runNode(
  args: string[],
  options: { signalOn?: { pattern: RegExp; signal: NodeJS.Signals }; timeoutMs?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000);
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.signalOn !== undefined && !signalled && options.signalOn.pattern.test(stdout)) {
        signalled = true;
        child.kill(options.signalOn.signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Runs an ES-module snippet in a fresh node process. */
export function runSnippet(body: string): Promise<ChildResult> {
  return runNode(['--input-type=module', '-e', body]);
}

/** Runs `lgm <args>` in a child process. */
export function runCli(args: string[], options: Parameters<typeof runNode>[1] = {}): Promise<ChildResult> {
  return runNode([CLI, ...args], options);
}

/** A tiny synthetic training run's flags (an MLP, seconds on cpu). */
export function tinyTrainArgs(extra: string[] = []): string[] {
  return [
    'train',
    ...['--dataset', 'synthetic', '--net', 'mlp', '--hidden', '8', '--feature-dim', '2'],
    ...['--train-limit', '64', '--test-limit', '32', '--batch-size', '16', '--log-every', '1'],
    ...['--backend', 'cpu', '--quiet', ...extra],
  ];
}

/** Runs `tasks` at most `limit` at a time (the CI machine has 2 cores). */
export async function pooled<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
