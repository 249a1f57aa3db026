#!/usr/bin/env bash
# Worst-case read of an OFF cell (1 µS) among ON cells (100 µS) with every unselected line floating,
# for N×N arrays without access device, with a threshold selector, and with a 1T1R transistor.
# Usage: examples/crossbar-sneak/run.sh [OUT]   (after `make demo` or `scripts/build-release.sh`)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/crossbar-sneak}
lithic=.build/release/lithic
mkdir -p "$out"
printf "%-5s %-9s %-14s %-14s %-12s\n" N access "true G (S)" "read G (S)" "sneak share"
for n in 4 8 16 32 64; do
    python3 - "$n" "$out/worst-$n.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
open(path, "w").write("\n".join(",".join("1e-6" if (i, j) == (0, 0) else "1e-4" for j in range(n)) for i in range(n)) + "\n")
PY
    for access in none selector 1t1r; do
        dir="$out/n$n-$access"
        "$lithic" crossbar --rows "$n" --columns "$n" --weights "$out/worst-$n.csv" --access "$access" \
            --operation sneak --cell 0,0 --vread 1 -o "$dir" --quiet > /dev/null
        python3 - "$dir/metrics.json" "$n" "$access" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<5} {sys.argv[3]:<9} {m['first_cell_true_conductance']:<14.3e} {m['first_cell_apparent_conductance']:<14.3e} {m['max_sneak_fraction']:<12.4f}")
PY
    done
done
