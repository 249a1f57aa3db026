#!/usr/bin/env bash
# Programs a 64×64 LLZO-filament array with weights.csv (mapped onto 1–100 µS) by write-verify
# under V/2, then multiplies a 0.1 V input vector, for three wire resistances per segment.
# Usage: examples/crossbar-vmm/run.sh [OUT] [N] [SCHEME] [PASSES] [RWIRE…]
#        (N×N sub-array, default 64; scheme v/2 or v/3, default v/3; passes default 2; after `scripts/build-release.sh`)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/crossbar-vmm}
n=${2:-64}
scheme=${3:-v/3}
passes=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
wires=${*:-0.5 2.5 10}
lithic=.build/release/lithic
mkdir -p "$out"
python3 - "$n" examples/crossbar-vmm/weights.csv "$out/weights-$n.csv" <<'PY'
import sys
n, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = [l for l in open(src) if not l.startswith("#")]
open(dst, "w").write("".join(",".join(r.strip().split(",")[:n]) + "\n" for r in rows[:n]))
PY
printf "%-8s %-10s %-12s %-12s %-12s %-10s %-10s\n" "rwire" "pulses" "prog. rms" "disturb max" "VMM rms" "energy J" "wall s"
for r in $wires; do
    dir="$out/rwire-$r-${scheme/\//}-p$passes"
    "$lithic" crossbar --rows "$n" --columns "$n" --model level=10 --x0 0.85 --operation program --weights "$out/weights-$n.csv" \
        --gmin 1u --gmax 100u --rwire "$r" --vread 0.1 --scheme "$scheme" --passes "$passes" --plot -o "$dir" --quiet > /dev/null
    python3 - "$dir/metrics.json" "$r" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<8} {m['mean_pulses']:<10.2f} {m['rms_final_error']:<12.3e} {m['max_abs_disturb']:<12.3e} {m['vmm_rms_error']:<12.3e} {m['energy_j']:<10.3e} {m['seconds']:<10.1f}")
PY
done
