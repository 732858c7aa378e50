import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/docs/ -> the repository root.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The markdown table (its `|` lines) under the heading `## <heading>` of a summary.md. */
function tableUnder(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  assert.notEqual(start, -1, `no "## ${heading}" heading`);
  const first = lines.findIndex((l, i) => i > start && l.startsWith('|'));
  let end = first;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return lines.slice(first, end).join('\n');
}

// README Results quotes the headline tables of each paper-budget summary (`lgm reproduce summary` writes them);
// a summary regenerated after a new seed must be copied again, or the README would show stale numbers.
const SUMMARIES = ['docs/results/mnist-full/summary.md', 'docs/results/mnist-full/fashion-mnist/summary.md'];

for (const file of SUMMARIES) {
  test(
    `README Results quotes the headline tables of ${file} as they are`,
    { skip: !existsSync(join(ROOT, file)) },
    () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const summary = readFileSync(join(ROOT, file), 'utf8');
      for (const heading of ['Attack success %', 'Headline: detection AUROC %']) {
        const table = tableUnder(summary, heading);
        assert.ok(table.split('\n').length > 2, `${file}: "${heading}" has no rows`);
        assert.ok(
          readme.includes(table),
          `README.md does not quote ${file}'s "${heading}" table as it is now`,
        );
      }
    },
  );
}
