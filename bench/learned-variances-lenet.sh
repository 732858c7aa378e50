#!/usr/bin/env bash
# Issue 14's learned-variance run, again: LeNet++ 100-D with isotropic variances on the quick budget's recipe
# (Adam 1e-3, mixture lr x10, no weight decay, batch 32, alpha ramped to 0.1 over half an epoch, lambda 0.01),
# trained for 1 and for 3 epochs, then FGSM and BIM on 500 test images and the detectors against Fashion-MNIST and
# Gaussian noise. docs/reproduce.md ("Learned variances") has what it measured.
#   bash bench/learned-variances-lenet.sh <root> <name> <epochs> [lgm train flags: --seed, --covariance, ...]
# e.g. `... /tmp/lv prior-s0 3 --seed 0` (the default prior) and `... /tmp/lv noprior-s0 3 --seed 0
# --variance-prior 0`. Each run takes one core (OMP_NUM_THREADS=1), so two can run side by side.
set -euo pipefail
root=${1:?usage: bench/learned-variances-lenet.sh <root> <name> <epochs> [train flags]}
name=${2:?usage: bench/learned-variances-lenet.sh <root> <name> <epochs> [train flags]}
epochs=${3:?usage: bench/learned-variances-lenet.sh <root> <name> <epochs> [train flags]}
shift 3
cd "$(dirname "$0")/.."
out="$root/$name"
mkdir -p "$root"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
lgm() { node dist/src/cli/main.js "$@"; }
lgm train --net lenetpp --feature-dim 100 --loss lgm --covariance isotropic --optimizer adam --lr 0.001 \
  --gm-lr-mult 10 --weight-decay 0 --epochs "$epochs" --batch-size 32 --alpha-schedule ramp:0.1,0.5 \
  --lambda 0.01 "$@" --out "$out" > "$root/$name.train.log" 2>&1
lgm attack --run "$out" --attacks fgsm,bim --limit 500 > "$root/$name.attack.log" 2>&1
lgm detect --run "$out" --detectors lgm-class,lgm-mixture,msp,mahalanobis,kde --ood fashion-mnist,gaussian \
  > "$root/$name.detect.log" 2>&1
echo "$name: $(grep -c . "$root/$name.detect.log") lines in $root/$name.detect.log"
