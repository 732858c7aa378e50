/** One CLI subcommand: `lgm <name> [args]`. Each command lives in its own file under src/cli/commands/. */
export interface Command {
  /** Name typed after `lgm`. */
  name: string;
  /** One line for `lgm --help`. */
  summary: string;
  /** Full usage text for `lgm <name> --help`. */
  usage: string;
  /** Usage for these arguments when it depends on them (`lgm bench head --help`); default `usage`. */
  usageFor?(argv: string[]): string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
