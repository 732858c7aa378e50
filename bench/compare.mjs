#!/usr/bin/env node
/**
 * The interleaved lgm-vs-PyTorch benchmark pair behind the README's Performance table: for each round, for each
 * net and mode, `lgm bench train|infer` then bench/pytorch/train-speed.py on the same net, batch and threads, so
 * that both see the same machine load; then one JSON line per net and mode with the best, median and worst img/s
 * of each, the ratio of the bests, each round's ratio (lgm / the PyTorch run right after it) with their median
 * and range, lgm's GFLOP/s against the measured sgemm peak, and both sides' peak resident memory.
 *
 *   npm run build && node bench/compare.mjs [--rounds 3] [--nets lenetpp,resnet20] [--modes train,infer]
 *       [--steps 10] [--python /usr/bin/python3] [--threads 2] [--loss lgm,softmax]
 *
 * Training runs once per loss of --loss (default lgm); inference has no loss (features and the L-GM logits).
 * Batches: train 64 (LeNet++) / 128 (ResNets), infer 256. PyTorch runs with OMP_WAIT_POLICY=passive, as lgm
 * loads its oneDNN addon (src/native/addon.ts): spinning OpenMP threads take the cores from the working ones on a
 * busy machine. Absolute img/s move with the load between sittings; the ratios of one sitting are what count.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, URL } from 'node:url';
import { BENCH_NETS, benchArgs } from './args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values, positive, list } = benchArgs('compare.mjs', {
  rounds: { type: 'string', default: '3' },
  nets: { type: 'string', default: 'lenetpp,resnet20' },
  modes: { type: 'string', default: 'train,infer' },
  steps: { type: 'string', default: '10' },
  python: { type: 'string', default: '/usr/bin/python3' },
  threads: { type: 'string', default: '2' },
  loss: { type: 'string', default: 'lgm' },
});

const rounds = positive('rounds');
const steps = positive('steps');
const threads = positive('threads');
const nets = list('nets', BENCH_NETS);
const modes = list('modes', ['train', 'infer']);
const losses = list('loss', ['lgm', 'softmax']);
const batchOf = (net, mode) => (mode === 'infer' ? 256 : net === 'lenetpp' ? 64 : 128);

function runJson(command, args, env) {
  const out = execFileSync(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.slice(out.indexOf('{')));
}

function lgmRun(net, mode, loss) {
  const batch = String(batchOf(net, mode));
  const common = ['--net', net, '--batch', batch, '--steps', String(steps), '--threads', String(threads)];
  const args = mode === 'train' ? [...common, '--loss', loss, '--warmup', '3'] : [...common, '--warmup', '2'];
  const r = runJson(process.execPath, ['dist/src/cli/main.js', 'bench', mode, ...args], {});
  return {
    imgPerSec: r.imagesPerSecond,
    gflops: r.gflopsPerSecond,
    peakGflops: r.peakGflops,
    peakRssMiB: r.peakRssMiB,
    native: r.native,
    tensors: [r.numTensorsBefore, r.numTensorsAfter],
    ...(mode === 'infer' ? { withDetectors: r.withDetectorsImagesPerSecond } : {}),
  };
}

function torchRun(net, mode, loss) {
  const args = [
    'bench/pytorch/train-speed.py',
    ...['--net', net, '--mode', mode, '--loss', loss, '--batch', String(batchOf(net, mode))],
    ...['--steps', String(steps), '--repeats', '1', '--threads', String(threads)],
  ];
  const r = runJson(values.python, args, { OMP_WAIT_POLICY: 'passive' });
  return { imgPerSec: r.median, peakRssMiB: r.peakRssMiB, framework: r.framework };
}

const round1 = (x) => Math.round(x * 10) / 10;
const round3 = (x) => Math.round(x * 1000) / 1000;
function stats(xs, round = round1) {
  const s = [...xs].sort((a, b) => a - b);
  return { best: round(s.at(-1)), median: round(s[Math.floor(s.length / 2)]), worst: round(s[0]) };
}

const results = new Map();
const loads = [];
const failures = [];
for (let r = 0; r < rounds; r++) {
  for (const net of nets) {
    for (const [mode, loss] of modes.flatMap((m) =>
      m === 'train' ? losses.map((l) => [m, l]) : [[m, 'lgm']],
    )) {
      const key = `${net}|${mode}|${loss}`;
      loads.push(loadavg()[0]);
      let lgm;
      let torch;
      try {
        lgm = lgmRun(net, mode, loss);
        torch = torchRun(net, mode, loss);
      } catch (err) {
        // One failed run (a crash, a package being reinstalled meanwhile) drops this round's pair, not the sitting.
        failures.push(`round ${r + 1} ${net} ${mode} ${loss}: ${String(err.message).split('\n')[0]}`);
        process.stderr.write(`round ${r + 1}/${rounds} ${net} ${mode} ${loss}: failed, pair dropped\n`);
        continue;
      }
      const entry = results.get(key) ?? { net, mode, loss, lgm: [], torch: [] };
      entry.lgm.push(lgm);
      entry.torch.push(torch);
      results.set(key, entry);
      process.stderr.write(
        `round ${r + 1}/${rounds} ${net} ${mode} ${loss}: lgm ${round1(lgm.imgPerSec)} img/s, ` +
          `PyTorch ${round1(torch.imgPerSec)} img/s\n`,
      );
    }
  }
}

for (const { net, mode, loss, lgm, torch } of results.values()) {
  const lgmRates = lgm.map((x) => x.imgPerSec);
  const torchRates = torch.map((x) => x.imgPerSec);
  const perRound = lgmRates.map((x, i) => x / torchRates[i]);
  const bestGflops = Math.max(...lgm.map((x) => x.gflops));
  const peak = Math.max(...lgm.map((x) => x.peakGflops ?? 0));
  const line = {
    net,
    mode,
    loss: mode === 'train' ? loss : 'lgm (identity) logits',
    batch: batchOf(net, mode),
    threads,
    rounds,
    steps,
    lgm: { imgPerSec: stats(lgmRates), runs: lgmRates.map(round1) },
    pytorch: { imgPerSec: stats(torchRates), runs: torchRates.map(round1), framework: torch[0].framework },
    ratioOfBests: round3(Math.max(...lgmRates) / Math.max(...torchRates)),
    ratioPerRound: { ...stats(perRound, round3), runs: perRound.map(round3) },
    lgmGflops: round1(bestGflops),
    peakGflops: peak > 0 ? round1(peak) : null,
    fractionOfPeak: peak > 0 ? round3(bestGflops / peak) : null,
    peakRssMiB: {
      lgm: Math.max(...lgm.map((x) => x.peakRssMiB)),
      pytorch: Math.max(...torch.map((x) => x.peakRssMiB)),
    },
    lgmNative: lgm.every((x) => x.native),
    lgmTensorsBeforeAfter: lgm.map((x) => x.tensors),
    ...(mode === 'infer' ? { lgmWithDetectors: stats(lgm.map((x) => x.withDetectors)) } : {}),
    loadAverage: { min: round1(Math.min(...loads)), max: round1(Math.max(...loads)) },
    ...(failures.length > 0 ? { failures } : {}),
  };
  console.log(JSON.stringify(line));
}
