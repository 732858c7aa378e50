/**
 * Errors raised by lgm. Every message has the shape `where: what was expected, got what was received`
 * so that a user can fix the call without reading the source.
 */
export class LgmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LgmError';
  }
}

/** Describes a value briefly for an error message: `float32 [8,1]`, `number 3`, `undefined`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && 'shape' in value && 'dtype' in value) {
    const t = value as { shape: number[]; dtype: string };
    return `${t.dtype} [${t.shape.join(',')}]`;
  }
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}
