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
