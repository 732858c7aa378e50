#!/usr/bin/env bash
# Copies the committable part of seed-by-seed reproductions (bench/reproduce-seeds.sh) into a results folder and
# rebuilds its summary: reports, pictures, metrics, detection and mixture JSON; not checkpoints, adversarial
# .f32 inputs, test-set features or SVG sources (docs/results/.gitignore says the same).
#   bash bench/collect-results.sh /work/paper docs/results/mnist-full
# MNIST groups end in -100d or -2d (seed-0-2d, seed-0-center-2d, ...), Fashion-MNIST ones in -fashion.
set -euo pipefail
root=${1:?usage: bench/collect-results.sh <root> <dest>}
dest=${2:?usage: bench/collect-results.sh <root> <dest>}
cd "$(dirname "$0")/.."
mkdir -p "$dest"
# The glob is expanded inside <root>, where the reproductions are.
(cd "$root" && tar -cf - --exclude='checkpoint' --exclude='checkpoint.*' --exclude='*.f32' --exclude='features.json' \
  --exclude='*.svg' --exclude='*.lock' --exclude='*.tmp*' seed-*) | tar -C "$dest" -xf -
for experiment in mnist fashion; do
  if [ "$experiment" = mnist ]; then dirs=("$dest"/seed-*-100d "$dest"/seed-*-2d); else dirs=("$dest"/seed-*-fashion); fi
  existing=()
  for d in "${dirs[@]}"; do [ -f "$d/progress.json" ] && existing+=("$d"); done
  [ ${#existing[@]} -eq 0 ] && continue
  out="$dest"
  [ "$experiment" = fashion ] && out="$dest/fashion-mnist"
  node dist/src/cli/main.js reproduce summary --out "$out" "${existing[@]}"
done
