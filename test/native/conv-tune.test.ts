import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { nativeSkip } from './compare.js';

// oneDNN's NHWC and blocked variants of a convolution compute the same numbers on most geometries but not on
// all: a 1x1 filter gradient and some strided data gradients run other algorithms on the blocked layouts. The
// addon times the two on a geometry's first call (native/src/conv_tune.cc); where they differ it must keep NHWC
// whatever the timing says, so that a run's numbers never depend on the load of the moment. LGM_CONV_LAYOUT is
// read once per process, so each layout runs in a child process.
const skip = nativeSkip();

// [batch, height, width, in, out, filter, stride, padding]: two geometries whose variants differ (the filter
// gradient of a 1x1 convolution; the data gradient of a strided 3x3 one without padding) and one whose do not.
const GEOMETRIES = [
  [4, 16, 16, 8, 8, 1, 1, 'same'],
  [4, 12, 12, 32, 16, 3, 2, 'valid'],
  [4, 16, 16, 8, 16, 3, 1, 'same'],
] as const;

// bench/conv-variants.mjs in its child mode prints, per geometry, the SHA-256 of [forward, dx, dfilter] on the
// cpu backend with the native kernels, and the addon's count of geometries kept on NHWC.
const bench = fileURLToPath(new URL('../../../bench/conv-variants.mjs', import.meta.url));

function runChild(layout: string | undefined): { hashes: string[][]; kept: number; tensors: number } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: '2',
    LGM_BENCH_CHILD: '1',
    LGM_CONV_GEOMETRIES: JSON.stringify(GEOMETRIES),
  };
  if (layout === undefined) delete env.LGM_CONV_LAYOUT;
  else env.LGM_CONV_LAYOUT = layout;
  const run = spawnSync(process.execPath, [bench], {
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`.slice(-3000));
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ReturnType<typeof runChild>;
}

test(
  'where the NHWC and blocked convolutions compute different numbers, the default keeps NHWC without timing',
  { skip },
  () => {
    const nhwc = runChild('nhwc');
    const blocked = runChild('blocked');
    const unset = runChild(undefined);
    // The geometries do what the test needs: the first two differ between the variants in one output, the third in
    // none, so the assertions below can fail.
    assert.notEqual(blocked.hashes[0][2], nhwc.hashes[0][2], '1x1 filter gradient');
    assert.notEqual(blocked.hashes[1][1], nhwc.hashes[1][1], 'strided data gradient');
    assert.deepEqual(blocked.hashes[2], nhwc.hashes[2]);
    // By default every output equals NHWC's, and exactly those two convolutions were kept on NHWC.
    assert.deepEqual(unset.hashes, nhwc.hashes);
    assert.equal(unset.kept, 2);
    assert.equal(nhwc.kept, 0);
    assert.equal(unset.tensors, 0);
  },
);
