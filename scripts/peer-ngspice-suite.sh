#!/usr/bin/env bash
# Lithic against ngspice 39 on ngspice's own example and test netlists (issue 16).
#
#   scripts/peer-ngspice-suite.sh NETLIST_DIR [OUT_DIR] [-- extra comparer options]
#
# NETLIST_DIR: a folder of ngspice netlists, e.g. examples/ and tests/ of an ngspice checkout:
#   git clone https://github.com/ngspice/ngspice  (or any mirror), then
#   mkdir /tmp/ngs && git -C ngspice archive HEAD examples tests | tar -x -C /tmp/ngs
# This script fetches nothing and nothing of ngspice's is committed here. The folder is copied
# to OUT_DIR/tree (default .build-ngspice-suite) and run there, so it is left untouched.
# LITHIC_BINARY names the lithic executable (default .build/debug/lithic).
# Writes OUT_DIR/results.json and OUT_DIR/suite.md (counts, silent-wrong list, per-netlist table);
# scripts/peer-ngspice-suite.py documents the comparison and the status names.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { sed -n 2,14p "$0" >&2; exit 2; }
dir="$1"; shift
out="${1:-.build-ngspice-suite}"; [ $# -ge 1 ] && shift
[ "${1:-}" = "--" ] && shift
command -v ngspice >/dev/null || { echo "ngspice is not installed (scripts/setup.sh ngspice)" >&2; exit 1; }
bin="${LITHIC_BINARY:-$here/../.build/debug/lithic}"
[ -x "$bin" ] || { echo "no lithic binary at $bin (swift build, or set LITHIC_BINARY)" >&2; exit 1; }
mkdir -p "$out"
rev="$(ngspice --version 2>/dev/null | grep -m1 -io 'ngspice-[0-9.]*' || echo ngspice) on $(basename "$(cd "$dir" && pwd)")"
[ -n "${SUITE_REVISION:-}" ] && rev="$SUITE_REVISION"
exec python3 "$here/peer-ngspice-suite.py" "$dir" --out "$out" --lithic "$bin" --markdown "$out/suite.md" --revision "$rev" "$@"
