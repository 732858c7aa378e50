#!/usr/bin/env bash
# Packs the unfinished groups of a seed-by-seed run root (bench/reproduce-seeds.sh), with their checkpoints,
# features and adversarial inputs, into one .tgz that can be committed: a session whose machine is new unpacks it
# and continues where the last one stopped. Finished groups (a report for every model in progress.json) are left
# out: their committable part is already in docs/results (bench/collect-results.sh), and the driver skips them.
#   bash bench/save-resume-state.sh /work/paper docs/results/mnist-full/resume-state.tgz
set -euo pipefail
root=${1:?usage: bench/save-resume-state.sh <root> <out.tgz>}
out=${2:?usage: bench/save-resume-state.sh <root> <out.tgz>}
unfinished=()
for d in "$root"/seed-*; do
  [ -d "$d" ] || continue
  if ! node "$(dirname "$0")/group-finished.mjs" "$d/progress.json"; then
    unfinished+=("$(basename "$d")")
  fi
done
if [ ${#unfinished[@]} -eq 0 ]; then
  echo "save-resume-state: no unfinished group in $root" >&2
  exit 1
fi
# Locks and half-written files are not state; the tarball is written beside the target and renamed, so a
# killed save leaves the previous one.
tar -C "$root" -czf "$out.tmp" --exclude='*.lock' --exclude='*.tmp*' "${unfinished[@]}"
mv "$out.tmp" "$out"
echo "save-resume-state: ${unfinished[*]} -> $out ($(du -h "$out" | cut -f1))"
