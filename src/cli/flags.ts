/**
 * Command-line flags of `lgm <command>` and `lgm bench <target>`: one strict parser and typed readers for
 * numeric, choice and list flags. Errors have the shape `where: --flag must be ..., got '<value>'`, naming the
 * value as it was typed.
 */
import { parseArgs } from 'node:util';
import { LgmError, describe } from '../util/errors.js';
import { NumberRange, choiceOption, inRange } from '../util/options.js';

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

/**
 * One flag of a command's table. The table is the one place a command's flags are declared: the parser's options
 * (parseFlagTable) and the usage lines (flagLines) are both made from it, so they cannot drift apart.
 */
export interface FlagDef {
  /** The flag without its dashes: 'run' for --run. */
  readonly name: string;
  /** Placeholder of its value in the usage ('<dir>'); absent: the flag takes no value (--json). */
  readonly value?: string;
  /** Its help: one line, or several (the first beside the flag, the rest under it). */
  readonly help: string | readonly string[];
  /** A heading printed above this flag, grouping a long table ('Data:'). */
  readonly section?: string;
  /** May be given more than once; its values are collected in order. Only flags with a value. */
  readonly multiple?: boolean;
}

type Named<T extends readonly FlagDef[], F> = Extract<T[number], F>['name'];
/** The parsed values of a table: a string per flag with a value, a list per multiple one, true per switch. */
export type FlagValues<T extends readonly FlagDef[]> = {
  [K in Exclude<Named<T, { value: string }>, Named<T, { multiple: true }>>]?: string;
} & { [K in Named<T, { multiple: true }>]?: string[] } & {
  [K in Exclude<T[number]['name'], Named<T, { value: string }>>]?: boolean;
};

/** Parses `argv` strictly against a flag table (unknown flags, or a value missing after a flag, throw). */
export function parseFlagTable<T extends readonly FlagDef[]>(
  argv: readonly string[],
  flags: T,
  options: { positionals?: boolean } = {},
): { values: FlagValues<T>; positionals: string[] } {
  const parsed: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const flag of flags) {
    parsed[flag.name] = {
      type: flag.value === undefined ? 'boolean' : 'string',
      multiple: flag.multiple === true,
    };
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: parsed,
    strict: true,
    allowPositionals: options.positionals ?? false,
  });
  return { values: values as FlagValues<T>, positionals };
}

/** The usage lines of a flag table: `  --name <value>  help`, help aligned in one column, sections as headings. */
export function flagLines(flags: readonly FlagDef[]): string[] {
  const label = (f: FlagDef) => `--${f.name}${f.value === undefined ? '' : ` ${f.value}`}`;
  const column = Math.max(19, ...flags.map((f) => label(f).length)) + 4;
  const lines: string[] = [];
  for (const flag of flags) {
    if (flag.section !== undefined) lines.push(flag.section);
    const [first, ...rest] = typeof flag.help === 'string' ? [flag.help] : flag.help;
    lines.push(`  ${label(flag).padEnd(column - 2)}${first}`);
    for (const line of rest) lines.push(`${' '.repeat(column)}${line}`);
  }
  return lines;
}

/** A command's usage text: synopsis lines, a description, the flag table's lines, then closing notes. */
export function usageText(parts: {
  synopsis: readonly string[];
  about?: readonly string[];
  flags: readonly FlagDef[];
  notes?: readonly string[];
}): string {
  const [first, ...more] = parts.synopsis;
  const lines = [`Usage: ${first}`, ...more.map((s) => `       ${s}`), ''];
  if (parts.about !== undefined && parts.about.length > 0) lines.push(...parts.about, '');
  lines.push(...flagLines(parts.flags));
  if (parts.notes !== undefined && parts.notes.length > 0) lines.push('', ...parts.notes);
  return lines.join('\n');
}

/** The --run flag of every command that reads a run. */
export const RUN_FLAG = {
  name: 'run',
  value: '<dir>',
  help: [
    'run directory (lgm train), export directory (lgm export) or pretrained:<name>;',
    'a directory given without --run (lgm <command> runs/x) is read as --run',
  ],
} as const satisfies FlagDef;

/** The --backend flag of every command that runs TF.js. */
export const BACKEND_FLAG = {
  name: 'backend',
  value: '<name>',
  help: 'TF.js backend: wasm | cpu (default wasm, else cpu; or $LGM_BACKEND)',
} as const satisfies FlagDef;

/**
 * The one run directory of a command: --run, or a single positional argument (the older spelling, still read).
 * Neither, both or more than one is an error.
 */
export function runDirArg(where: string, run: string | undefined, positionals: readonly string[]): string {
  const given = [...(run === undefined ? [] : [run]), ...positionals];
  if (given.length === 0) throw new LgmError(`${where}: --run must name a run directory, got nothing`);
  if (given.length > 1) {
    throw new LgmError(`${where}: --run must name one run directory, got '${given.join(' ')}'`);
  }
  return given[0];
}

/** A flag kept under an older name: listed in the usage as such, and read by renamedValue. */
export function olderName(older: string, current: string, value = '<n>'): FlagDef {
  return { name: older, value, help: `the older name of --${current}` };
}

/** The value of a flag given under its name or its older one (both: an error); undefined when absent. */
export function renamedValue(
  where: string,
  values: Readonly<Record<string, unknown>>,
  current: string,
  older: string,
): string | undefined {
  const now = values[current] as string | undefined;
  const before = values[older] as string | undefined;
  if (now !== undefined && before !== undefined) {
    throw new LgmError(`${where}: --${current} and its older name --${older} exclude each other, got both`);
  }
  return now ?? before;
}
