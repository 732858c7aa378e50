/**
 * Where a training step's time goes: `tf.profile` of each phase (forward, backward, optimizer update), kernel
 * time summed per phase, kernel name and a shape tag (convolutions by filter size and stride, reductions by what
 * they reduce), so that batch norm, ReLU, residual adds, strided convolutions, pooling and the update can be told
 * apart. The forward phase is profiled on its own first; the gradient phase's first kernels are that same
 * forward pass, which is how its kernels are split into forward and backward.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One row of the profile. */
export interface ProfileRow {
  phase: 'forward' | 'backward' | 'update' | 'inference';
  kernel: string;
  /** Shape tag: '3x3 s1', '3x3 s2', '1x1 s2' for convolutions; 'per-channel' / 'spatial' for reductions; ''. */
  tag: string;
  /** Calls per step. */
  calls: number;
  /** Kernel milliseconds per step (mean over the profiled steps). */
  ms: number;
}

/** A profile: rows by time, the kernel total and the phases' wall times, per step. */
export interface StepProfile {
  rows: ProfileRow[];
  kernelMs: number;
  wallMs: { forwardAndBackward: number; update: number };
  kernelsPerStep: number;
  steps: number;
}

type KernelInfo = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

/** A convolution's tag from its input and output shapes (NHWC): filter size and stride. */
function convTag(kernel: string, shapes: number[][], out: number[]): string {
  // Forward: [x, filter] -> y; BackpropInput: [dy, filter] -> dx; BackpropFilter: [x, dy] -> dw.
  const filter = kernel === 'Conv2DBackpropFilter' ? out : shapes[1];
  const [small, large] =
    kernel === 'Conv2DBackpropInput'
      ? [shapes[0], out]
      : kernel === 'Conv2DBackpropFilter'
        ? [shapes[1], shapes[0]]
        : [out, shapes[0]];
  if (filter === undefined || small === undefined || large === undefined) return '';
  const stride = Math.round(large[1] / small[1]);
  return `${filter[0]}x${filter[1]} s${stride}`;
}

function tagOf(k: KernelInfo): string {
  const out = k.outputShapes[0] ?? [];
  if (k.name.startsWith('Conv2D') || k.name === 'FusedConv2D' || k.name.startsWith('DepthwiseConv')) {
    return convTag(k.name, k.inputShapes, out);
  }
  if (['Mean', 'Sum', 'Max'].includes(k.name)) {
    const x = k.inputShapes[0] ?? [];
    const kept = out.reduce((a, b) => a * b, 1);
    // [N,H,W,C] reduced to C values is a per-channel (batch-norm / bias) reduction; to N*C a spatial pooling.
    if (x.length === 4 && kept === x[3]) return 'per-channel';
    if (x.length === 4 && kept === x[0] * x[3]) return 'spatial';
  }
  return '';
}

/**
 * The kernels `f` runs. tf.profile also lists custom-gradient scopes (e.g. 'fusedConv2d__op') whose time includes
 * the kernels inside them: only registered kernels are kept, so that nothing is counted twice.
 */
async function kernelsOf(f: () => void): Promise<KernelInfo[]> {
  const info = await tf.profile(f);
  const backend = tf.getBackend();
  const kernels = info.kernels.filter((k) => tf.getKernel(k.name, backend) !== undefined);
  // kernelTimeMs may be a promise (async timers); resolve them all.
  for (const k of kernels) k.kernelTimeMs = await k.kernelTimeMs;
  return kernels;
}

/** Per-step rows of a list of kernels (`divide` profiled steps). */
function aggregate(phase: ProfileRow['phase'], kernels: KernelInfo[], into: Map<string, ProfileRow>) {
  for (const k of kernels) {
    const tag = tagOf(k);
    const key = `${phase}|${k.name}|${tag}`;
    const row = into.get(key) ?? { phase, kernel: k.name, tag, calls: 0, ms: 0 };
    row.calls++;
    row.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    into.set(key, row);
  }
}

/**
 * Profiles `steps` steps of the three phases (after the caller's warm-up) and aggregates per step. The forward
 * rows come from the forward phase run alone; the backward rows are the gradient phase's (forward + backward)
 * minus those, per kernel and tag (calls exactly, milliseconds up to the noise between the two runs).
 */
export async function profileTrainStep(
  phases: {
    forward(): void;
    gradients(): tf.NamedTensorMap;
    update(grads: tf.NamedTensorMap): void;
  },
  steps: number,
): Promise<StepProfile> {
  const forward = new Map<string, ProfileRow>();
  const both = new Map<string, ProfileRow>();
  const update = new Map<string, ProfileRow>();
  const wall = { forwardAndBackward: 0, update: 0 };
  for (let s = 0; s < steps; s++) {
    aggregate('forward', await kernelsOf(() => phases.forward()), forward);
    let grads: tf.NamedTensorMap = {};
    let start = performance.now();
    const gradientKernels = await kernelsOf(() => {
      grads = phases.gradients();
    });
    wall.forwardAndBackward += performance.now() - start;
    aggregate('backward', gradientKernels, both);
    start = performance.now();
    aggregate('update', await kernelsOf(() => phases.update(grads)), update);
    wall.update += performance.now() - start;
    tf.dispose(Object.values(grads));
  }
  const backward = [...both.values()].map((r) => {
    const f = forward.get(`forward|${r.kernel}|${r.tag}`);
    return { ...r, calls: r.calls - (f?.calls ?? 0), ms: Math.max(0, r.ms - (f?.ms ?? 0)) };
  });
  const round = (x: number) => Math.round(x * 100) / 100;
  const rows = [...forward.values(), ...backward, ...update.values()]
    .filter((r) => r.calls > 0)
    .map((r) => ({ ...r, calls: r.calls / steps, ms: round(r.ms / steps) }))
    .sort((a, b) => b.ms - a.ms);
  return {
    rows,
    kernelMs: round(rows.reduce((sum, r) => sum + r.ms, 0)),
    wallMs: {
      forwardAndBackward: round(wall.forwardAndBackward / steps),
      update: round(wall.update / steps),
    },
    kernelsPerStep: rows.reduce((n, r) => n + r.calls, 0),
    steps,
  };
}

/** A profile of an inference pass: rows by time, the kernel total and the pass's wall time, per pass. */
export interface ForwardProfile {
  rows: ProfileRow[];
  kernelMs: number;
  wallMs: number;
  kernelsPerPass: number;
  passes: number;
}

/** Profiles `passes` calls of `pass` (one inference pass each, after the caller's warm-up), per pass. */
export async function profileForward(pass: () => void, passes: number): Promise<ForwardProfile> {
  const rows = new Map<string, ProfileRow>();
  let wall = 0;
  for (let s = 0; s < passes; s++) {
    const start = performance.now();
    const kernels = await kernelsOf(pass);
    wall += performance.now() - start;
    aggregate('inference', kernels, rows);
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  const perPass = [...rows.values()]
    .map((r) => ({ ...r, calls: r.calls / passes, ms: round(r.ms / passes) }))
    .sort((a, b) => b.ms - a.ms);
  return {
    rows: perPass,
    kernelMs: round(perPass.reduce((sum, r) => sum + r.ms, 0)),
    wallMs: round(wall / passes),
    kernelsPerPass: perPass.reduce((n, r) => n + r.calls, 0),
    passes,
  };
}
