#!/usr/bin/env bash
# The cycler against PyBaMM's Thevenin ECM on the same protocol and cell (examples/cycling/cccv.cir),
# in one run on this machine; appends a section to BENCHMARKS.md.
# Usage: scripts/bench-cycler.sh [CYCLES]   (default 2400, the issue's target)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-2400}
venv=.build/peers/venv
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -c "import pybamm" 2>/dev/null || "$venv/bin/pip" install -q pybamm
scripts/build-release.sh >/dev/null
dir=$(mktemp -d /tmp/lithic-cycler.XXXX)
sed "s/repeat=2400/repeat=$cycles/; s/at=2400/at=$cycles/g" examples/cycling/cccv.cir > "$dir/cccv.cir"
/usr/bin/time -f "%e %M" -o "$dir/li.time" .build/release/lithic run "$dir/cccv.cir" -o "$dir/li" --quiet > "$dir/li.log"
read -r lit lim < <(tail -1 "$dir/li.time")
read -r steps qli < <(python3 - "$dir/li/cycles.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(sum(float(r["time_steps"]) for r in rows) / len(rows), rows[-1]["discharge_capacity_ah"])
PY
)
OMP_NUM_THREADS=1 /usr/bin/time -f "%e %M" -o "$dir/pb.time" "$venv/bin/python" scripts/peer-pybamm.py "$cycles" > "$dir/pb.json"
read -r pbt pbm < <(tail -1 "$dir/pb.time")
# Replace an earlier cycler section when run on its own.
python3 scripts/drop-bench-section.py "## Cycler (scripts/bench-cycler.sh)"
python3 - "$dir/pb.json" "$cycles" "$lit" "$lim" "$pbt" "$pbm" "$steps" "$qli" >> BENCHMARKS.md <<'PY'
import json, sys
pb = json.load(open(sys.argv[1])); n = int(sys.argv[2])
lit, lim, pbt, pbm, steps, qli = map(float, sys.argv[3:])
print(f"\n## Cycler (scripts/bench-cycler.sh)\n")
print(f"examples/cycling/cccv.cir: NMC811 Thevenin cell (R0 + one RC), CC-CV charge / 1C discharge / rests, {n} cycles,")
print("against PyBaMM's `equivalent_circuit.Thevenin` with the same OCV function and values (scripts/peer-pybamm.py), same run.\n")
print("| | wall s | per cycle ms | peak MiB | last discharge Ah |")
print("|---|---|---|---|---|")
print(f"| Lithic ({steps:.0f} time steps per cycle) | {lit:.2f} | {1000*lit/n:.2f} | {lim/1024:.0f} | {qli:.6f} |")
print(f"| PyBaMM {pb.get('version', '')} | {pbt:.2f} | {1000*pbt/n:.2f} | {pbm/1024:.0f} | {pb['last_discharge_ah']:.6f} |")
print(f"\nSpeed-up {pbt/lit:.1f}x (wall, including start-up); discharge capacities differ by {abs(qli/pb['last_discharge_ah']-1):.1e} relative.")
PY
echo "cycler: lithic $lit s, pybamm $pbt s for $cycles cycles" >&2
