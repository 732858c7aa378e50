#!/usr/bin/env bash
# Installs what lgm's optional native kernels build against (Debian/Ubuntu): a C++ compiler, make, python3
# (node-gyp) and oneDNN (libdnnl-dev). Run it before `npm ci`; without it the install skips the addon and lgm
# trains on the wasm backend. Idempotent: does nothing when everything is already installed.
set -euo pipefail
packages=(g++ make python3 libdnnl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-native: ${packages[*]} already installed"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-native: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-native: done"
