#!/usr/bin/env bash
# Continues the paper run (bench/reproduce-seeds.sh) on any machine: fills <root> with the groups committed in
# <results> (finished; the driver skips them) and with the unfinished ones packed in <results>/resume-state.tgz
# (bench/save-resume-state.sh), then starts the driver. A group already in <root> is never overwritten: a local
# run is at least as far along as the packed one.
#   bash bench/paper-resume.sh [--prepare-only] /work/paper [docs/results/mnist-full]
# --prepare-only fills <root> and stops there.
# The environment (LGM_LANES, LGM_CONV_LAYOUT, OMP_NUM_THREADS) passes through to the driver.
set -euo pipefail
start=1
if [ "${1:-}" = --prepare-only ]; then
  start=0
  shift
fi
root=${1:?usage: bench/paper-resume.sh <root> [results]}
results=${2:-docs/results/mnist-full}
cd "$(dirname "$0")/.."
mkdir -p "$root"
for d in "$results"/seed-*; do
  [ -d "$d" ] && [ ! -e "$root/$(basename "$d")" ] && cp -r "$d" "$root/" && echo "paper-resume: $(basename "$d") (committed)"
done
state="$results/resume-state.tgz"
if [ -f "$state" ]; then
  for g in $(tar -tzf "$state" | cut -d/ -f1 | sort -u); do
    if [ -e "$root/$g" ]; then
      echo "paper-resume: $g already in $root, kept"
    else
      tar -xzf "$state" -C "$root" "$g" && echo "paper-resume: $g (from $state)"
    fi
  done
fi
if [ "$start" = 1 ]; then exec bash bench/reproduce-seeds.sh "$root"; fi
