/** Resident memory of this process, for the benchmarks' memory figures (MiB, 1 decimal). */

const MIB = 1024 * 1024;

/** Resident set size now. */
export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / MIB) * 10) / 10;
}

/** High-water resident set size of the process so far (the kernel's maxrss, as PyTorch's getrusage reports). */
export function peakRssMiB(): number {
  // resourceUsage().maxRSS is in KiB.
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
