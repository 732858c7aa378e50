#!/usr/bin/env node
/**
 * Does a kernel change move training beyond float rounding? Issue 18 asks that the loss curves of a 200-step run
 * with and without the new kernels agree to 1e-4 relative. This runs the same `lgm train` (MNIST, the default L-GM
 * recipe, seeded data order and initialisation, one epoch of `steps` batches) under several kernel settings and
 * compares each per-step loss curve (metrics.jsonl, --log-every 1) with the reference's:
 *
 *   reference       LGM_CONV_LAYOUT=direct: oneDNN's direct convolutions (no Winograd), 2 threads
 *   direct-1thread  the same kernels on 1 thread: only the summation order can differ (a rounding baseline)
 *   nhwc, blocked   oneDNN's direct convolutions on one layout only: another summation order (rounding baselines)
 *   winograd        LGM_CONV_LAYOUT=winograd: every eligible convolution on lgm's Winograd kernels
 *   default         no setting: what a user gets (Winograd where native/src/winograd.h's winogradByDefault says)
 *   wasm            LGM_NATIVE=0: no native kernels at all (slow)
 *
 * Prints one JSON line per net: for each variant the largest relative deviation of the loss from the reference's
 * over all steps and over the first 1/3/10/50/100 (a chaotic training run amplifies any rounding difference step by
 * step, so the deviation grows along the curve), the first step past 1e-4, and the final test accuracy.
 *
 *   npm run build && node bench/curve-agreement.mjs [--nets lenetpp,resnet20] [--steps 200]
 *       [--variants direct-1thread,nhwc,blocked,winograd,default,wasm] [--test-limit 2000] [--keep <dir>]
 *
 * The reference always runs; --variants defaults to every variant but wasm.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { BENCH_NETS, benchArgs } from './args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values, positive, list } = benchArgs('curve-agreement.mjs', {
  nets: { type: 'string', default: 'lenetpp,resnet20' },
  steps: { type: 'string', default: '200' },
  'test-limit': { type: 'string', default: '2000' },
  variants: { type: 'string', default: 'direct-1thread,nhwc,blocked,winograd,default' },
  keep: { type: 'string' },
});

const steps = positive('steps');
const testLimit = positive('test-limit');
const nets = list('nets', BENCH_NETS);

/** Environment changes of each variant. */
const KNOWN_VARIANTS = {
  'direct-1thread': { LGM_CONV_LAYOUT: 'direct', LGM_THREADS: '1', OMP_NUM_THREADS: '1' },
  nhwc: { LGM_CONV_LAYOUT: 'nhwc' },
  blocked: { LGM_CONV_LAYOUT: 'blocked' },
  winograd: { LGM_CONV_LAYOUT: 'winograd' },
  default: {},
  wasm: { LGM_NATIVE: '0' },
};
const chosen = list('variants', Object.keys(KNOWN_VARIANTS));
/** The reference first. */
const VARIANTS = [['reference', { LGM_CONV_LAYOUT: 'direct' }], ...chosen.map((v) => [v, KNOWN_VARIANTS[v]])];
/** Batch sizes of the README's training commands: 64 for LeNet++, 128 for the ResNets. */
const batchOf = (net) => (net === 'lenetpp' ? 64 : 128);

const work = values.keep ?? mkdtempSync(join(tmpdir(), 'lgm-curves-'));

/** Runs `lgm train` for one net under one variant's environment; returns its per-step losses and test accuracy. */
function train(net, name, changes) {
  const out = join(work, `${net}-${name}`);
  rmSync(out, { recursive: true, force: true });
  const env = { ...process.env };
  for (const key of ['LGM_CONV_LAYOUT', 'LGM_THREADS', 'OMP_NUM_THREADS', 'LGM_NATIVE']) delete env[key];
  Object.assign(env, changes);
  const batch = batchOf(net);
  const args = [
    ...['train', '--net', net, '--dataset', 'mnist', '--epochs', '1', '--batch-size', String(batch)],
    ...['--train-limit', String(steps * batch), '--test-limit', String(testLimit), '--log-every', '1'],
    ...['--seed', '0', '--checkpoint-every', 'epoch', '--quiet', '--out', out],
  ];
  const started = Date.now();
  execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], { env, stdio: 'ignore' });
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
  const losses = records.filter((r) => r.type === 'step').map((r) => r.loss);
  const epoch = records.filter((r) => r.type === 'epoch').at(-1);
  if (losses.length !== steps)
    throw new Error(`${out}: expected ${steps} step records, got ${losses.length}`);
  const testAccuracy = epoch?.testAccuracy ?? null;
  if (!values.keep) rmSync(out, { recursive: true, force: true });
  return { losses, testAccuracy, seconds: (Date.now() - started) / 1000 };
}

/** Largest |a - b| / |b| over the first n steps. */
function deviation(curve, reference, n) {
  let worst = 0;
  for (let i = 0; i < n; i++)
    worst = Math.max(worst, Math.abs(curve[i] - reference[i]) / Math.abs(reference[i]));
  return worst;
}

for (const net of nets) {
  const load = [loadavg()[0]];
  const runs = VARIANTS.map(([name, changes]) => [name, train(net, name, changes)]);
  load.push(loadavg()[0]);
  const reference = runs[0][1];
  const variants = {};
  for (const [name, run] of runs) {
    const firstPast = run.losses.findIndex(
      (l, i) => Math.abs(l - reference.losses[i]) > 1e-4 * Math.abs(reference.losses[i]),
    );
    variants[name] = {
      maxRelativeDeviation: deviation(run.losses, reference.losses, steps),
      byStep: Object.fromEntries(
        [1, 3, 10, 50, 100]
          .filter((n) => n < steps)
          .map((n) => [n, deviation(run.losses, reference.losses, n)]),
      ),
      firstStepPast1e4: firstPast < 0 ? null : firstPast + 1,
      firstLoss: run.losses[0],
      lastLoss: run.losses.at(-1),
      testAccuracy: run.testAccuracy,
      seconds: run.seconds,
    };
  }
  const line = { net, dataset: 'mnist', steps, batch: batchOf(net), testLimit, load, variants };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
