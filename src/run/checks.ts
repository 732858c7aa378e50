/** Checks of the arrays run files hold; each throws through `bad` (see fileProblem) naming the field. */
type Bad = (what: string, got: unknown) => never;

export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** `length` (when given) finite numbers. */
export function checkVector(bad: Bad, name: string, value: unknown, length: number | null): number[] {
  if (!Array.isArray(value) || (length !== null && value.length !== length) || !value.every(isFiniteNumber)) {
    bad(`${name} must be ${length ?? 'an array of'} finite numbers`, value);
  }
  return value as number[];
}

/** A matrix of finite numbers with `rows` rows (when given) and `cols` columns (when given: else the first row's). */
export function checkMatrix(
  bad: Bad,
  name: string,
  value: unknown,
  rows: number | null,
  cols: number | null,
): number[][] {
  if (!Array.isArray(value) || (rows !== null && value.length !== rows)) {
    bad(`${name} must be an array of ${rows ?? 'N'} rows`, value);
  }
  const width = cols ?? (Array.isArray(value[0]) ? (value[0] as unknown[]).length : 0);
  value.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== width || !row.every(isFiniteNumber)) {
      bad(`${name}[${i}] must be ${width} finite numbers`, row);
    }
  });
  return value as number[][];
}

/** `length` integers in [0, below). */
export function checkIntegers(
  bad: Bad,
  name: string,
  value: unknown,
  length: number,
  below: number,
): number[] {
  if (!Array.isArray(value) || value.length !== length) bad(`${name} must be an array of ${length}`, value);
  const i = value.findIndex(
    (x: unknown) => !Number.isInteger(x) || (x as number) < 0 || (x as number) >= below,
  );
  if (i >= 0) bad(`${name}[${i}] must be an integer in [0, ${below})`, value[i]);
  return value as number[];
}

/** `length` booleans. */
export function checkBooleans(bad: Bad, name: string, value: unknown, length: number): boolean[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'boolean')) {
    bad(`${name} must be ${length} booleans`, value);
  }
  return value as boolean[];
}
