import { BACKEND_FLAG, type FlagDef } from '../flags.js';

/** The flags `lgm bench train` and `lgm bench infer` share (each adds its own defaults in front). */
export const MODEL_BENCH_FLAGS = [
  { name: 'seed', value: '<n>', help: 'seed of weights and data (default 0)' },
  {
    ...BACKEND_FLAG,
    help: 'tfjs-node-gpu | tfjs-node | wasm | cpu (default: first available; $LGM_BACKEND)',
  },
  { name: 'threads', value: '<n>', help: 'wasm threads 1..8 (default: all cores; $LGM_THREADS)' },
] as const satisfies readonly FlagDef[];

/** --no-peak of every bench that reports the fraction of the sgemm peak (lgm bench peak). */
export const NO_PEAK_FLAG = {
  name: 'no-peak',
  help: 'skip the sgemm peak measurement (about a second)',
} as const satisfies FlagDef;

/** One benchmark target of `lgm bench <name>`: prints one JSON object on stdout. */
export interface Benchmark {
  /** Name typed after `lgm bench`. */
  name: string;
  /** One line for `lgm bench --help`. */
  summary: string;
  /** Options text for `lgm bench <name> --help`. */
  usage: string;
  /** Runs with the arguments after the target name; resolves to the JSON-serialisable result. */
  run(argv: string[]): Promise<Record<string, unknown>>;
}

/** Rounds a printed figure to 3 decimals (every bench's JSON uses it). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
