import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands/index.js';
import { benchmarks } from '../../src/cli/bench/index.js';

/** A command line to probe: the command, the arguments before the flags (a bench target) and its help text. */
interface Probe {
  label: string;
  command: Command;
  prefix: string[];
  help: string;
}

const bench = commands.find((c) => c.name === 'bench') as Command;
const probes: Probe[] = [
  ...commands
    .filter((c) => c !== bench)
    .map((command) => ({ label: command.name, command, prefix: [], help: command.usage })),
  ...benchmarks.map((b) => ({
    label: `bench ${b.name}`,
    command: bench,
    prefix: [b.name],
    help: bench.usageFor?.([b.name]) ?? bench.usage,
  })),
];

/** The flags a help text lists: the `--flag` that starts each option line. */
function listedFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}--([a-z0-9][a-z0-9-]*)/gm)].map((m) => m[1]).sort();
}

/** Every `--flag` any help text mentions: the candidates each parser is probed with. */
const candidates = [
  ...new Set(probes.flatMap((p) => [...p.help.matchAll(/--([a-z0-9][a-z0-9-]*)/g)].map((m) => m[1]))),
].sort();

/**
 * Whether the command's parser knows `--flag`: it is given the flag followed by an unknown one, so parsing fails
 * before the command does anything, either on the flag itself (unknown to the parser) or after it.
 */
async function accepts(probe: Probe, flag: string): Promise<boolean> {
  try {
    await probe.command.run([...probe.prefix, `--${flag}`, '--zz-probe']);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return !message.includes(`'--${flag}'`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return true;
    throw error;
  }
  throw new Error(`${probe.label} ran with --${flag} --zz-probe instead of rejecting them`);
}

test('the probe tells a known flag from an unknown one', async () => {
  const blobs = probes.find((p) => p.label === 'blobs') as Probe;
  assert.equal(await accepts(blobs, 'json'), true);
  assert.equal(await accepts(blobs, 'epochs'), true);
  assert.equal(await accepts(blobs, 'run'), false);
  assert.ok(candidates.length > 60, `${candidates.length} candidate flags`);
});

for (const probe of probes) {
  test(`lgm ${probe.label} --help lists exactly the flags its parser accepts`, async () => {
    const listed = listedFlags(probe.help);
    assert.ok(listed.length > 0, `lgm ${probe.label} --help lists no flag`);
    assert.equal(new Set(listed).size, listed.length, `a flag is listed twice: ${listed.join(', ')}`);
    const accepted: string[] = [];
    for (const flag of candidates) if (await accepts(probe, flag)) accepted.push(flag);
    assert.deepEqual(accepted, listed);
  });
}

// Every command that reads a run names it with --run; a bare directory is still read as --run (the older
// spelling of lgm eval and lgm plot), with the same outcome.
for (const [name, extra] of [
  ['attack', []],
  ['detect', []],
  ['eval', []],
  ['export', ['--out', 'out']],
  ['plot', ['curves']],
] as const) {
  test(`lgm ${name} takes the run as --run <dir>, and a bare <dir> the same way`, async () => {
    const command = commands.find((c) => c.name === name) as Command;
    assert.match(command.usage, /^ {2}--run <dir>/m);
    assert.match(command.usage.split('\n')[0], /--run <dir>/);
    const dir = mkdtempSync(join(tmpdir(), 'lgm-run-flag-'));
    try {
      const missing = join(dir, 'no-such-run');
      const outcome = (argv: string[]) =>
        command.run([...extra, ...argv, '--backend', 'cpu']).then(
          () => 'resolved',
          (e: Error) => e.message,
        );
      const flagged = await outcome(['--run', missing]);
      assert.match(flagged, /no-such-run/);
      assert.equal(await outcome([missing]), flagged);
      assert.match(
        await outcome(['--run', missing, missing]),
        /--run must name one run directory|must be exactly one/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
