#!/usr/bin/env bash
# Runs the MNIST paper budget (`lgm reproduce mnist --budget full`) seed by seed, in the order issue 14 ranks
# them: seed 0 of the 100-D pair (softmax-100d, lgm-100d) and of the 2-D pair (their weights are the models lgm
# ships, `pretrained/`), seeds 1 and 2 of the 100-D pair, Fashion-MNIST (softmax vs L-GM 100-D, the second dataset)
# at seed 0, seeds 1 and 2 of the 2-D pair, the other models of the comparison at seed 0, then Fashion-MNIST seeds 1
# and 2. Each group is one reproduction in <root>/seed-<s>-<group>, so a killed run continues where it stopped when
# this script is started again (reproduce resumes every stage).
#   bash bench/reproduce-seeds.sh <root> [extra reproduce flags]
set -uo pipefail
root=${1:?usage: bench/reproduce-seeds.sh <root> [reproduce flags]}
shift
cd "$(dirname "$0")/.."
run() { # seed group variants [flags]
  local experiment=mnist
  if [ "$2" = fashion ]; then experiment=fashion-mnist; fi
  echo "== $(date -u +%FT%TZ) seed $1 $2: $3"
  node dist/src/cli/main.js reproduce "$experiment" --budget full --seed "$1" --variants "$3" \
    --out "$root/seed-$1-$2" "${@:4}" || echo "== seed $1 $2 ended with status $?"
}
run 0 100d softmax-100d,lgm-100d "$@"
run 0 2d softmax-2d,lgm-2d "$@"
for s in 1 2; do run "$s" 100d softmax-100d,lgm-100d "$@"; done
run 0 fashion softmax-100d,lgm-100d "$@"
for s in 1 2; do run "$s" 2d softmax-2d,lgm-2d "$@"; done
run 0 others center-2d,am-softmax-2d,arcface-2d,lgm-alpha0-2d,lgm-lambda0-2d,lgm-iso-2d,lgm-diag-2d "$@"
for s in 1 2; do run "$s" fashion softmax-100d,lgm-100d "$@"; done
