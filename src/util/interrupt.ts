/** The signals that stop a run cleanly: Ctrl-C, `kill` (and systemd, docker stop, timeouts), a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];
const NUMBERS: Record<StopSignal, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** What `onStopSignals` returns. */
export interface StopHandler {
  /** Aborted at the first stop signal. */
  signal: AbortSignal;
  /** The exit code of a run stopped early: 128 + the signal's number (130 for Ctrl-C, also when no signal came). */
  exitCode(): number;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Handles SIGINT, SIGTERM and SIGHUP alike: the first one logs `message` and aborts `signal` (the trainer
 * finishes its step, writes a checkpoint and returns); a second one exits at once with 128 + its number.
 */
export function onStopSignals(log: (line: string) => void, message: string): StopHandler {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = () => {
      if (received !== null) process.exit(128 + NUMBERS[name]);
      received = name;
      log(`\n${name === 'SIGINT' ? 'interrupt' : name}: ${message} (Ctrl-C again to abort at once)`);
      controller.abort();
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    exitCode: () => 128 + NUMBERS[received ?? 'SIGINT'],
    dispose() {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
    },
  };
}
