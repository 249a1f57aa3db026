#!/usr/bin/env bash
# Installs impedance.py (PyPI `impedance`) in a virtualenv under .build/peers and regenerates the
# reference fits Lithic's peer test compares against (Tests/LithicTests/Fixtures/eis/impedancepy-reference.json).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/peers/venv
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c "import impedance.models.circuits" 2>/dev/null || "$venv/bin/pip" install -q impedance pandas altair matplotlib
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$venv/bin/python" scripts/peer-impedance.py Tests/LithicTests/Fixtures/eis Tests/LithicTests/Fixtures/eis/impedancepy-reference.json
