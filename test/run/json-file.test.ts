import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MissingFileError,
  isMissingFile,
  objectOf,
  readJsonFile,
  readOptionalJsonFile,
  writeJsonFile,
} from '../../src/run/json-file.js';
import { existingRunFile } from '../../src/run/layout.js';

const dir = mkdtempSync(join(tmpdir(), 'lgm-run-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('readJsonFile round-trips writeJsonFile and names the function and the file in every error', async () => {
  const file = join(dir, 'a.json');
  await writeJsonFile(file, { a: [1, 2], b: null });
  assert.deepEqual(await readJsonFile(file, 'test'), { a: [1, 2], b: null });
  assert.ok(readFileSync(file, 'utf8').endsWith('\n'));

  const missing = join(dir, 'none.json');
  const error = await readJsonFile(missing, 'test', 'run lgm x first').catch((e: unknown) => e);
  assert.ok(error instanceof MissingFileError && isMissingFile(error));
  assert.equal(error.file, missing);
  assert.equal(error.message, `test: ${missing} must exist (run lgm x first), got no such file`);
  assert.equal(await readOptionalJsonFile(missing, 'test'), null);

  writeFileSync(file, '{"a": [1,');
  await assert.rejects(
    readJsonFile(file, 'test'),
    new RegExp(`^LgmError: test: ${file} must be valid JSON \\(truncated or corrupt\\), got .+`),
  );
  // Only absence is optional: a corrupt optional file is still an error.
  await assert.rejects(readOptionalJsonFile(file, 'test'), /must be valid JSON/);
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  await assert.rejects(
    readJsonFile(sub, 'test'),
    new RegExp(`cannot read ${sub}: is a directory \\(EISDIR\\)`),
  );
});

test('objectOf names the file and shows what it got', () => {
  assert.deepEqual(objectOf('w', 'f.json', { a: 1 }), { a: 1 });
  assert.throws(
    () => objectOf('w', 'f.json', [1]),
    /^LgmError: w: f.json must hold a JSON object, got array of length 1$/,
  );
  assert.throws(
    () => objectOf('w', 'f.json', 3, 'rows[2]'),
    /^LgmError: w: f.json rows\[2\] must be a JSON object, got number 3$/,
  );
});

test('existingRunFile knows every run file, normalization.json and checkpoint temp dirs included', () => {
  assert.equal(existingRunFile(['notes.txt', 'lgm.lock']), null);
  assert.equal(existingRunFile(['notes.txt', 'normalization.json']), 'normalization.json');
  assert.equal(existingRunFile(['checkpoint.tmp-abc']), 'checkpoint.tmp-abc');
  assert.equal(existingRunFile(['detection.json', 'config.json']), 'config.json');
});
