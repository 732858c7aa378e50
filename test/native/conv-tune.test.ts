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

// [batch, height, width, in, out, filter, stride, padding]. Which geometries the variants compute differently
// depends on the CPU (oneDNN picks its algorithms by instruction set): with AVX2 the filter gradient of a 1x1
// convolution and the data gradient of a strided 3x3 one without padding; with AVX-512 the strided 3x3 one's
// forward pass and both gradients of a 3x3 one with more channels (bench/conv-variants.mjs lists them all).
const GEOMETRIES = [
  [4, 16, 16, 8, 8, 1, 1, 'same'],
  [4, 12, 12, 32, 16, 3, 2, 'valid'],
  [4, 16, 16, 8, 16, 3, 1, 'same'],
  [4, 16, 16, 16, 32, 3, 1, 'same'],
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
  (t) => {
    const nhwc = runChild('nhwc');
    const blocked = runChild('blocked');
    const unset = runChild(undefined);
    // The outputs (forward, dx, dfilter of each geometry) the two variants compute differently on this CPU.
    const differ = nhwc.hashes.flatMap((outputs, g) =>
      outputs.flatMap((h, o) => (blocked.hashes[g]![o] === h ? [] : [`${g}/${o}`])),
    );
    if (differ.length === 0) {
      t.skip('on this CPU the NHWC and blocked variants agree on every test geometry: nothing to keep');
      return;
    }
    // By default every output equals NHWC's, and exactly the differing convolutions were kept on NHWC.
    assert.deepEqual(unset.hashes, nhwc.hashes);
    assert.equal(unset.kept, differ.length);
    assert.equal(nhwc.kept, 0);
    assert.equal(unset.tensors, 0);
  },
);
