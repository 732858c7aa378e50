import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { nativeSkip } from './compare.js';

// The addon times a convolution's NHWC, blocked-layout and (3x3, stride 1) Winograd variants on its first call and
// keeps the fastest, so one process checks only the variant the cores favoured then. LGM_CONV_LAYOUT fixes the
// variant (read once per process; `direct` times only the first two): the convolution tests of kernels.test.ts run
// again under each.
const kernelsTest = fileURLToPath(new URL('./kernels.test.js', import.meta.url));

for (const layout of ['nhwc', 'blocked', 'winograd', 'direct']) {
  test(
    `convolutions agree with the cpu backend with LGM_CONV_LAYOUT=${layout}`,
    { skip: nativeSkip() },
    () => {
      // Without NODE_TEST_CONTEXT, which makes a nested `node --test` skip its files.
      const env: NodeJS.ProcessEnv = { ...process.env, LGM_CONV_LAYOUT: layout };
      delete env.NODE_TEST_CONTEXT;
      const run = spawnSync(process.execPath, ['--test', '--test-name-pattern=Conv2D', kernelsTest], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const output = `${run.stdout}${run.stderr}`;
      assert.equal(run.status, 0, output.slice(-2000));
      const passed = Number(/# pass (\d+)/.exec(output)?.[1] ?? 0);
      assert.ok(passed >= 2, `the Conv2D tests must run (cpu and wasm): ${output.slice(-500)}`);
    },
  );
}
