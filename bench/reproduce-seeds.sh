#!/usr/bin/env bash
# Runs the MNIST paper budget (`lgm reproduce mnist --budget full`) seed by seed, in the order issue 14 ranks
# them: seed 0 of the 100-D pair (softmax-100d, lgm-100d) and of the 2-D pair (their weights are the models lgm
# ships, `pretrained/`), seeds 1 and 2 of the 100-D pair, Fashion-MNIST (softmax vs L-GM 100-D, the second
# dataset) at seed 0, seeds 1 and 2 of the 2-D pair, the other models of the comparison at seed 0, then
# Fashion-MNIST seeds 1 and 2, then ArcFace at its face-recognition margin. Each group is one reproduction in
# <root>/seed-<s>-<group>, so a killed run continues where it stopped when this script is started again (reproduce
# resumes every stage). The other models are one group each (seed-0-center-2d, ...): a group is one lane's work,
# and nine models in one group would leave the other lane idle once it runs out of groups.
#   [LGM_LANES=2] bash bench/reproduce-seeds.sh <root> [extra reproduce flags]
# LGM_LANES=N runs N lanes at once, each going through the same list in the same order with one OpenMP thread
# (unless OMP_NUM_THREADS says otherwise): a group another lane is running is locked (reproduce exits at once),
# so the lane goes on to the next. On 2 cores, two one-thread LeNet++ trainings together got 1.15-1.3x the
# images per second of one two-thread training (docs/reproduce.md).
set -uo pipefail
root=${1:?usage: bench/reproduce-seeds.sh <root> [reproduce flags]}
shift
cd "$(dirname "$0")/.."
# A group whose progress.json has a report for each of its models is finished: skipping it lets a run root be
# seeded with groups already committed (their checkpoints and features are not), which reproduce could not resume.
done_already() { # progress.json variants
  node bench/group-finished.mjs "$1" "$2"
}
run() { # seed group variants [flags]
  local experiment=mnist
  if [ "$2" = fashion ]; then experiment=fashion-mnist; fi
  if done_already "$root/seed-$1-$2/progress.json" "$3"; then
    echo "== seed $1 $2: done (every model reported), skipped"
    return
  fi
  echo "== $(date -u +%FT%TZ) seed $1 $2: $3"
  node dist/src/cli/main.js reproduce "$experiment" --budget full --seed "$1" --variants "$3" \
    --out "$root/seed-$1-$2" "${@:4}" || echo "== seed $1 $2 ended with status $?"
}
groups() {
  run 0 100d softmax-100d,lgm-100d "$@"
  run 0 2d softmax-2d,lgm-2d "$@"
  for s in 1 2; do run "$s" 100d softmax-100d,lgm-100d "$@"; done
  run 0 fashion softmax-100d,lgm-100d "$@"
  for s in 1 2; do run "$s" 2d softmax-2d,lgm-2d "$@"; done
  # The margin losses with margins 2-D can meet come before the ablations; ArcFace at its face-recognition
  # margin, which the quick budget already showed failing in 2-D (docs/reproduce.md), comes last.
  for v in center-2d am-softmax-2d am-softmax-m0.1-2d arcface-m0.3-2d lgm-alpha0-2d lgm-lambda0-2d lgm-iso-2d \
    lgm-diag-2d; do
    run 0 "$v" "$v" "$@"
  done
  for s in 1 2; do run "$s" fashion softmax-100d,lgm-100d "$@"; done
  run 0 arcface-2d arcface-2d "$@"
}
lanes=${LGM_LANES:-1}
if ! [[ "$lanes" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/reproduce-seeds.sh: LGM_LANES must be a positive integer, got '$lanes'" >&2
  exit 2
fi
if [ "$lanes" -eq 1 ]; then
  groups "$@"
else
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  for lane in $(seq 1 "$lanes"); do
    # Staggered, so that the lanes do not race for the same group's lock at the start.
    (groups "$@" 2>&1 | sed -u "s/^/[lane $lane] /") &
    sleep 20
  done
  wait
fi
