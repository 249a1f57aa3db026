#!/usr/bin/env bash
# Builds libLithicC.so (the C ABI, include/lithic.h) and installs the Python package `lithic`
# (python/lithic, a copy plus the library) into the virtualenv .build/python/venv, with numpy,
# pandas, pytest, dask[distributed] and impedance (the compatibility test's peer) from PyPI.
# Run by `make demo` and `make test`; fast when everything is there (an incremental build, one
# import). Then: .build/python/venv/bin/python -c "import lithic".
# LITHIC_PYTHON_SCRATCH: build folder (default .build); the debug configuration is used (the
# numeric modules are optimised in it, see Package.swift), so `make test`'s own debug build of
# lithic is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${LITHIC_PYTHON_SCRATCH:-.build}
swift build --product LithicC --scratch-path "$scratch"
lib="$scratch/debug/libLithicC.so"
[ -f "$lib" ] || { echo "setup-python: $lib was not built" >&2; exit 1; }
venv=.build/python/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import numpy, pandas, pytest, dask.distributed, impedance" 2>/dev/null \
  || "$venv/bin/pip" install -q numpy pandas pytest "dask[distributed]" impedance
site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
rm -rf "$site/lithic"
mkdir -p "$site/lithic"
cp python/lithic/*.py "$site/lithic/"
cp "$lib" "$site/lithic/libLithicC.so"
"$venv/bin/python" -c "import lithic; print('lithic (Python) installed in $venv, library', lithic.library_path)"
