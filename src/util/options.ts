import { LgmError, describe } from './errors.js';

/** Throws unless every key of `options` is one of `allowed`: unsupported options never silently do nothing. */
export function checkKnownKeys(where: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new LgmError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new LgmError(`${where}: unknown option '${key}', expected one of ${allowed.join(', ')}`);
    }
  }
}

/** Bounds of a numeric option or flag. */
export interface NumberRange {
  /** Smallest accepted value; default -Infinity. */
  min?: number;
  /** Largest accepted value; default Infinity. */
  max?: number;
  /** Whether only integers are accepted; default false. */
  integer?: boolean;
}

/** Whether `value` is a finite number within `range` (and an integer when the range asks for one). */
export function inRange(value: unknown, range: NumberRange = {}): value is number {
  const { min = -Infinity, max = Infinity, integer = false } = range;
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value))
  );
}

/** Validates a finite number option within [min, max]; returns `fallback` when it is undefined. */
export function numberOption(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  range: NumberRange = {},
): number {
  if (value === undefined) return fallback;
  if (!inRange(value, range)) {
    const { min = -Infinity, max = Infinity, integer = false } = range;
    const kind = integer ? 'an integer' : 'a finite number';
    throw new LgmError(`${where}: ${name} must be ${kind} in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

/** Validates a string option against a list of choices; returns `fallback` when it is undefined. */
export function choiceOption<T extends string>(
  where: string,
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback?: T,
): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new LgmError(`${where}: ${name} must be one of ${choices.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** Validates a boolean option; returns `fallback` when it is undefined. */
export function booleanOption(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new LgmError(`${where}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}
