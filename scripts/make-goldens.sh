#!/usr/bin/env bash
# Regenerates the golden outputs of every regression netlist with Debian's ngspice:
#   netlists/golden/NAME.raw   ASCII raw file (all plots)
#   netlists/golden/NAME.meas  ".measure" results as "name = value" lines
# The Swift regression tests compare Lithic against these files vector by vector.
set -euo pipefail
cd "$(dirname "$0")/../netlists"
command -v ngspice >/dev/null || { echo "ngspice is not installed (scripts/setup.sh ngspice)" >&2; exit 1; }
mkdir -p golden
ngspice --version 2>/dev/null | grep -m1 -i ngspice > golden/VERSION || true
for f in *.cir; do
    name="${f%.cir}"
    log=$(SPICE_ASCIIRAWFILE=1 ngspice -b -r "golden/$name.raw" "$f" 2>&1) || { echo "ngspice failed on $f" >&2; echo "$log" >&2; exit 1; }
    # (.tf's "transfer_function = …" line is in the raw file's Transfer Function plot, not a measure.)
    ngspice -b "$f" 2>&1 | awk '/^[a-z0-9_]+ +=  *[-+0-9.eE]+/ && $1 != "transfer_function" { print $1 " = " $3 }' > "golden/$name.meas" || true
    [ -s "golden/$name.meas" ] || rm -f "golden/$name.meas"
    # .four tables as "vector harmonic frequency magnitude phase" lines.
    ngspice -b "$f" 2>&1 | awk '/^Fourier analysis for/ { v = $4; sub(":", "", v) } /^ [0-9]+ / && v != "" { print v, $1, $2, $3, $4 }' > "golden/$name.four" || true
    [ -s "golden/$name.four" ] || rm -f "golden/$name.four"
    echo "golden: $name"
done
