#!/usr/bin/env bash
# Goldens for the OSDI netlists: each netlists/osdi/NAME.cir runs a Verilog-A model through OSDI;
# NAME.ngspice.cir holds the same cards for ngspice 39's built-in model, whose output is the golden
# (netlists/osdi/golden/NAME.raw, ASCII). Debian's ngspice has no OSDI, so it cannot run NAME.cir.
set -euo pipefail
cd "$(dirname "$0")/../netlists/osdi"
command -v ngspice >/dev/null || { echo "ngspice is not installed (scripts/setup.sh ngspice)" >&2; exit 1; }
mkdir -p golden
for f in *.ngspice.cir; do
    name="${f%.ngspice.cir}"
    SPICE_ASCIIRAWFILE=1 ngspice -b -r "golden/$name.raw" "$f" > /dev/null 2>&1 || { echo "ngspice failed on $f" >&2; exit 1; }
    echo "golden: $name"
done
