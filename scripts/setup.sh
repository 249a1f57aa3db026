#!/usr/bin/env bash
# Installs the Debian packages Lithic needs to build, when they are missing. Idempotent.
# Usage: scripts/setup.sh [extra-package ...]   (e.g. scripts/setup.sh ngspice for peer runs)
set -euo pipefail
packages=(libsuitesparse-dev libcminpack-dev libfftw3-dev pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "Lithic needs these Debian packages: ${missing[*]}" >&2
        echo "Run this as root, or install them first:  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
else
    SUDO=
fi
echo "Installing ${missing[*]} ..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
