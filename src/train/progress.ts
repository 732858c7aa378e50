/** What the trainer tells a progress reporter after each step. */
export interface StepProgress {
  epoch: number;
  epochs: number;
  /** Batch index within the epoch (1-based, after this step) and batches per epoch. */
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  /** Seconds left in this epoch at the current rate. */
  etaSeconds: number;
}

/** Receives training progress; `lgm train` picks a terminal bar or plain lines. */
export interface ProgressReporter {
  /** Called after every training step. */
  step(p: StepProgress): void;
  /** A finished epoch, one line. */
  epoch(line: string): void;
  /** Anything else worth a line (resume, checkpoint on interrupt). */
  note(line: string): void;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function describeStep(p: StepProgress): string {
  return (
    `epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ` +
    `acc ${(p.accuracy * 100).toFixed(2)}% ${p.imagesPerSecond.toFixed(1)} img/s ETA ${clock(p.etaSeconds)}`
  );
}

/** A one-line bar redrawn in place (for a TTY): [#####.....] with ETA, img/s, running loss and accuracy. */
export function terminalReporter(stream: NodeJS.WriteStream, width = 24): ProgressReporter {
  let open = false;
  const endLine = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return {
    step(p) {
      const filled = Math.round((p.batch / p.batches) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${describeStep(p)}\x1b[K`);
      open = true;
    },
    epoch(line) {
      endLine();
      stream.write(line + '\n');
    },
    note(line) {
      endLine();
      stream.write(line + '\n');
    },
  };
}

/** Plain lines (for logs and pipes): one every `every` steps and at the end of each epoch. */
export function lineReporter(write: (line: string) => void, every: number): ProgressReporter {
  return {
    step(p) {
      if (p.batch % every === 0 || p.batch === p.batches) write(describeStep(p));
    },
    epoch: write,
    note: write,
  };
}

/** A reporter that prints nothing (library use and tests). */
export const silentReporter: ProgressReporter = { step() {}, epoch() {}, note() {} };
