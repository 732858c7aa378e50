/**
 * Which convolution geometries oneDNN's NHWC and blocked variants compute differently, and whether the default
 * (the timed choice, native/src/conv_tune.cc) reproduces NHWC on them. Runs every geometry of a sweep (filters
 * 1x1 to 7x7, strides 1 and 2, `same` and `valid`, 1-64 channels) under LGM_CONV_LAYOUT=nhwc, blocked and unset,
 * each in a child process, hashing the forward output, the data gradient and the filter gradient; prints one
 * JSON object. Needs the native addon and a build (npm run build).
 *   node bench/conv-variants.mjs
 * With LGM_BENCH_CHILD=1 it is the child: it prints the hashes of the geometries in LGM_CONV_GEOMETRIES (JSON)
 * or of the sweep, under the LGM_CONV_LAYOUT it was given (test/native/conv-tune.test.ts runs it so).
 */
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { fileURLToPath, URL } from 'node:url';
import { benchArgs } from './args.mjs';

benchArgs('bench/conv-variants.mjs', {});
const dist = new URL('../dist/src/', import.meta.url).href;

// [batch, height, width, in, out, filter, stride, padding].
const GEOMETRIES = [];
for (const r of [1, 3, 5, 7])
  for (const s of [1, 2])
    for (const [c, k] of [
      [1, 8],
      [3, 16],
      [8, 8],
      [16, 32],
      [64, 64],
      [32, 16],
      [9, 17],
    ])
      for (const pad of ['same', 'valid'])
        GEOMETRIES.push([4, c >= 32 ? 12 : 16, c >= 32 ? 12 : 16, c, k, r, s, pad]);
for (const n of [1, 2, 3]) for (const h of [5, 10, 13]) GEOMETRIES.push([n, h, h, 8, 8, 1, 1, 'same']);

const OUTPUTS = ['forward', 'dx', 'dfilter'];

/** Hashes of [forward, dx, dfilter] per geometry in this process, and the addon's NHWC-kept count. */
async function child() {
  const tf = await import('@tensorflow/tfjs-core');
  await import(`${dist}backend/index.js`);
  await import(`${dist}util/tf-gradients.js`);
  const { loadAddon, registerNativeKernels } = await import(`${dist}native/index.js`);
  const { mulberry32, seededNormal } = await import(`${dist}util/random.js`);
  const randn = (size, seed) => Float32Array.from({ length: size }, seededNormal(mulberry32(seed)));
  await tf.setBackend('cpu');
  if (!registerNativeKernels('cpu')) throw new Error(`native kernels unavailable: ${loadAddon().reason}`);
  const hash = (t) => {
    const d = t.dataSync();
    return createHash('sha256')
      .update(Buffer.from(d.buffer, d.byteOffset, d.byteLength))
      .digest('hex');
  };
  const geometries = JSON.parse(process.env.LGM_CONV_GEOMETRIES ?? 'null') ?? GEOMETRIES;
  const hashes = geometries.map(([n, h, w, c, k, r, s, pad], i) =>
    tf.tidy(() => {
      const x = tf.tensor4d(randn(n * h * w * c, i), [n, h, w, c]);
      const f = tf.tensor4d(randn(r * r * c * k, 1000 + i), [r, r, c, k]);
      const y = tf.conv2d(x, f, s, pad);
      const up = tf.tensor(randn(y.size, 2000 + i), y.shape);
      const [dx, df] = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, s, pad), up)))([x, f]);
      return [hash(y), hash(dx), hash(df)];
    }),
  );
  const kept = loadAddon().addon.convTuneMismatches();
  console.log(JSON.stringify({ hashes, kept, tensors: tf.memory().numTensors }));
}

function run(layout) {
  const env = { ...process.env, LGM_BENCH_CHILD: '1' };
  if (layout === 'unset') delete env.LGM_CONV_LAYOUT;
  else env.LGM_CONV_LAYOUT = layout;
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`bench/conv-variants.mjs: the ${layout} run failed:\n${r.stderr.slice(-2000)}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

if (process.env.LGM_BENCH_CHILD === '1') {
  await child();
} else {
  const [nhwc, blocked, unset] = ['nhwc', 'blocked', 'unset'].map(run);
  const differ = [];
  GEOMETRIES.forEach((g, i) => {
    const outputs = OUTPUTS.filter((_, j) => nhwc.hashes[i][j] !== blocked.hashes[i][j]);
    if (outputs.length > 0) differ.push({ geometry: g, outputs });
  });
  const defaultDiffers = GEOMETRIES.filter((_, i) => unset.hashes[i].some((h, j) => h !== nhwc.hashes[i][j]));
  console.log(
    JSON.stringify({
      geometries: GEOMETRIES.length,
      geometry: '[batch, height, width, in, out, filter, stride, padding]',
      nhwcVsBlocked: differ.length,
      defaultKeptOnNhwc: unset.kept,
      defaultDiffersFromNhwc: defaultDiffers,
      differ,
    }),
  );
}
