/**
 * Command-line flags of `lgm <command>` and `lgm bench <target>`: one strict parser and typed readers for
 * numeric, choice and list flags. Errors have the shape `where: --flag must be ..., got '<value>'`, naming the
 * value as it was typed.
 */
import { parseArgs } from 'node:util';
import { LgmError, describe } from '../util/errors.js';
import { NumberRange, choiceOption, inRange } from '../util/options.js';

/** The flags a command accepts. */
export interface FlagSpec<S extends string, B extends string> {
  /** Flags that take a value (`--name value`). Required; may be empty. */
  strings: readonly S[];
  /** Flags without a value (`--name`). Default none. */
  booleans?: readonly B[];
  /** Whether positional arguments are accepted. Default false (a positional is an error). */
  positionals?: boolean;
}

/** Parsed flags: each string flag's value and each boolean flag's presence (absent: undefined). */
export interface ParsedFlags<S extends string, B extends string> {
  values: { [K in S]?: string } & { [K in B]?: boolean };
  positionals: string[];
}

/** Parses `argv` strictly (unknown flags, or a value missing after a string flag, throw). */
export function parseFlags<S extends string, B extends string = never>(
  argv: readonly string[],
  spec: FlagSpec<S, B>,
): ParsedFlags<S, B> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.strings) options[name] = { type: 'string' };
  for (const name of spec.booleans ?? []) options[name] = { type: 'boolean' };
  const { values, positionals } = parseArgs({
    args: [...argv],
    options,
    strict: true,
    allowPositionals: spec.positionals ?? false,
  });
  return { values: values as ParsedFlags<S, B>['values'], positionals };
}

/** What a numeric flag accepts, in words: `an integer >= 1`, `a number in [0, 1]`, `a number`. */
function rangeText(range: NumberRange): string {
  const { min = -Infinity, max = Infinity, integer = false } = range;
  const kind = integer ? 'an integer' : 'a number';
  if (min === -Infinity && max === Infinity) return kind;
  if (max === Infinity) return `${kind} >= ${min}`;
  if (min === -Infinity) return `${kind} <= ${max}`;
  return `${kind} in [${min}, ${max}]`;
}

/** A typed number: NaN for blank text (which `Number` would read as 0). */
function parseNumber(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

/** The value of a numeric flag within `range`, or `fallback` when the flag is absent. */
export function numberFlag<F extends number | undefined>(
  where: string,
  flag: string,
  value: string | undefined,
  fallback: F,
  range: NumberRange = {},
): number | F {
  if (value === undefined) return fallback;
  const n = parseNumber(value);
  if (!inRange(n, range)) {
    throw new LgmError(`${where}: --${flag} must be ${rangeText(range)}, got ${describe(value)}`);
  }
  return n;
}

/** The value of an integer flag within [min, max], or `fallback` when the flag is absent. */
export function integerFlag<F extends number | undefined>(
  where: string,
  flag: string,
  value: string | undefined,
  fallback: F,
  range: { min?: number; max?: number } = {},
): number | F {
  return numberFlag(where, flag, value, fallback, { ...range, integer: true });
}

/** Seeds of every command (train's config, demo, attack, detect, reproduce): integers in [0, 2^31 - 1]. */
export const SEED_RANGE = { min: 0, max: 2 ** 31 - 1 } as const;

/** The value of a flag that must be one of `choices`, or `fallback` when the flag is absent. */
export function choiceFlag<T extends string>(
  where: string,
  flag: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  return choiceOption(where, `--${flag}`, value, choices, fallback);
}

/** The trimmed entries of a comma-separated flag value. */
export function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

/** The entries of a comma-separated flag, each of which must be one of `choices`. */
export function listFlag<T extends string>(
  where: string,
  flag: string,
  value: string,
  choices: readonly T[],
): T[] {
  const items = splitList(value);
  for (const item of items) {
    if (!(choices as readonly string[]).includes(item)) {
      throw new LgmError(`${where}: --${flag} entries must be among ${choices.join(', ')}, got '${item}'`);
    }
  }
  return items as T[];
}

/** The numbers of a comma-separated flag (`1,2.5,3`), or undefined when the flag is absent. */
export function numberListFlag(where: string, flag: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => {
    const n = parseNumber(part);
    if (!Number.isFinite(n)) {
      throw new LgmError(`${where}: --${flag} must be comma-separated numbers, got '${value}'`);
    }
    return n;
  });
}

/** The value of a flag that must be given; `must` completes `--flag must ...` (e.g. 'name a run directory'). */
export function requiredFlag(where: string, flag: string, value: string | undefined, must: string): string {
  if (value === undefined) throw new LgmError(`${where}: --${flag} must ${must}, got nothing`);
  return value;
}
