#!/usr/bin/env bash
# Installs pyimpspec (PyPI `pyimpspec`) and pyDRTtools (PyPI `pydrttools`) in the peers' virtualenv
# .build/peers/venv (made by scripts/peer-impedance.sh, or here), then compares Lithic's lin-KK
# verdicts and DRT peaks with theirs on the public spectra: rewrites
# Tests/LithicTests/Fixtures/eis/kkdrt-peers-reference.json (the Swift tests compare against it,
# without the peers) and BENCHMARKS.md's section "KK and DRT against pyimpspec and pyDRTtools".
# pydrttools 0.2 does not declare all it imports: cvxopt, scikit-learn and PyQt5 (its package
# __init__ imports the Qt GUI; the script gives it an offscreen QApplication) are installed too.
# LITHIC_BINARY names the lithic to compare (default: the release build, made if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/peers/venv
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c "import pyimpspec" 2>/dev/null || "$venv/bin/pip" install -q pyimpspec
"$venv/bin/python" -c "import cvxopt, sklearn, PyQt5, pandas, scipy, matplotlib" 2>/dev/null || "$venv/bin/pip" install -q cvxopt scikit-learn PyQt5 pandas scipy matplotlib
"$venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('pyDRTtools') is None)" || "$venv/bin/pip" install -q pydrttools
lithic=${LITHIC_BINARY:-.build/release/lithic}
[ -x "$lithic" ] || scripts/build-release.sh >/dev/null
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen "$venv/bin/python" scripts/peer-kk-drt.py "$lithic" \
  Tests/LithicTests/Fixtures/eis Tests/LithicTests/Fixtures/eis/kkdrt-peers-reference.json
