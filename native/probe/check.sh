#!/usr/bin/env bash
# Builds every probe in this folder with the g++ command in its header comment, at -O0 and with -Wall -Werror,
# into a temporary folder, and runs none: nothing else builds the probes, so this is what shows one that no longer
# compiles against native/src or oneDNN (.ci/run calls it where g++ and oneDNN's headers are installed).
# Needs g++ and libdnnl-dev; a probe that includes cblas.h is skipped, with a line saying so, without
# libopenblas-dev. Exits 1 when any probe fails to build.
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Where Debian's libopenblas-dev puts cblas.h; conv-libraries.cc's build command names it $blas too.
blas=/usr/include/x86_64-linux-gnu/openblas-pthread
failed=0
for probe in *.cc; do
  cmd=$(sed -n 's|^//   \(g++ .*\)$|\1|p' "$probe" | head -n 1)
  if [ -z "$cmd" ]; then
    echo "probe check: $probe has no '//   g++ ...' build command in its header comment"
    failed=1
    continue
  fi
  if grep -q '^#include <cblas.h>' "$probe" &&
    ! echo '#include <cblas.h>' | g++ -x c++ -fsyntax-only -I"$blas" - 2>/dev/null; then
    echo "probe check: $probe skipped (no cblas.h: libopenblas-dev is not installed)"
    continue
  fi
  cmd="${cmd//-O3/-O0} -Wall -Werror"
  cmd=${cmd//\/tmp\//$out/}
  if (eval "$cmd"); then
    echo "probe check: $probe builds"
  else
    echo "probe check: $probe does not build: $cmd"
    failed=1
  fi
done
exit "$failed"
