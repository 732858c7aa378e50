import { LgmError } from '../util/errors.js';

/** Throws an error naming `file` at the first label outside [0, numClasses). */
export function checkLabelRange(where: string, file: string, labels: Uint8Array, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new LgmError(
        `${where}: ${file} has a label out of range: labels must be in [0, ${numClasses}), ` +
          `got ${labels[i]} at index ${i}`,
      );
    }
  }
}
