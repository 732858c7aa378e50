/** What a command printed with console.log while it ran, and its exit code. */
export interface Captured {
  /** The command's exit code. */
  code: number;
  /** The printed lines joined with newlines. */
  out: string;
  /** The printed lines, one entry per console.log call. */
  lines: string[];
}

/** Runs a command with console.log captured (restored afterwards, also when the command throws). */
export async function capture(run: () => Promise<number>): Promise<Captured> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(' '));
  try {
    const code = await run();
    return { code, out: lines.join('\n'), lines };
  } finally {
    console.log = log;
  }
}
