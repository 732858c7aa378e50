/** Test helper: runs a snippet in a fresh Node process (a backend starts once per process). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const backendModule = fileURLToPath(new URL('../../src/backend/index.js', import.meta.url));

/** Runs a snippet in a fresh Node (a backend's first start is once per process) and parses its JSON output. */
export function inChild(env: Record<string, string>, body: string): Record<string, unknown> {
  const script = `import * as tf from '@tensorflow/tfjs-core';
import { initBackend, backendInfo } from ${JSON.stringify(backendModule)};
${body}`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(run.status, 0, `child failed (status ${run.status}, signal ${run.signal}): ${run.stderr}`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}
