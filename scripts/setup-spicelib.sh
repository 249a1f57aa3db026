#!/usr/bin/env bash
# Installs spicelib (PyPI `spicelib`, the usual Python reader of SPICE raw files) in the peers'
# virtualenv .build/peers/venv, for the raw-file interoperability test (RawInteropTests) that
# `make test` runs. Fast when it is there already (one import). Only spicelib's raw reader is
# used, which needs numpy alone: its other dependencies (matplotlib, scipy, psutil, clipin, used by
# its schematic editors and simulator runners) are not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/peers/venv
SPICELIB_VERSION=1.6.4
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c "import numpy" 2>/dev/null || "$venv/bin/pip" install -q numpy
"$venv/bin/python" -c "from spicelib import RawRead" 2>/dev/null || "$venv/bin/pip" install -q --no-deps "spicelib==$SPICELIB_VERSION"
"$venv/bin/python" -c "from spicelib import RawRead" || { echo "spicelib did not install in $venv" >&2; exit 1; }
