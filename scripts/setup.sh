#!/usr/bin/env bash
# npm run setup: everything lgm needs on a fresh Debian/Ubuntu machine, from a clean clone.
#   1. the system packages of the native kernels (g++, make, python3, libdnnl-dev), with apt-get as root or
#      through sudo; when that is not possible it says exactly what to install and carries on without them;
#   2. npm ci (which builds the native addon when the packages are there) and npm run build;
#   3. a last line saying whether the native kernels are built, and what lgm demo will then take.
# `--check` only reports what is missing and what it would do (it installs nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=false
if [ "${1:-}" = "--check" ]; then check_only=true; fi

packages=(g++ make python3 libdnnl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

manual="sudo apt-get install -y --no-install-recommends ${missing[*]:-}"
can_install=false
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] || sudo -n true >/dev/null 2>&1; then can_install=true; fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: system packages present: ${packages[*]}"
elif $check_only; then
  if $can_install; then
    echo "setup: would install ${missing[*]} with apt-get"
  else
    echo "setup: cannot install ${missing[*]} here (needs apt-get and root or passwordless sudo); run: $manual"
  fi
elif $can_install; then
  echo "setup: installing ${missing[*]} (apt-get)"
  bash .ci/install-native.sh
else
  echo "setup: cannot install ${missing[*]} (needs apt-get and root or passwordless sudo)."
  echo "setup: to get the native kernels, run: $manual"
  echo "setup:   then: npm rebuild lgm   (or run npm run setup again)"
  echo "setup: continuing without them: training runs on plain wasm and lgm demo picks its shorter budget."
fi

if $check_only; then
  echo "setup: would run npm ci --no-audit --no-fund, then npm run build"
  exit 0
fi

npm ci --no-audit --no-fund
npm run build
if [ -f native/build/Release/lgm_native.node ]; then
  echo "setup: done; native kernels built. Next: npm run demo (about 2-4 minutes on 2 cores)"
else
  echo "setup: done; native kernels NOT built (see the npm ci output above, or native/build.log)."
  echo "setup: Next: npm run demo (the shorter wasm budget, about 5 minutes on 2 cores)"
fi
