#!/usr/bin/env bash
# Large crossbar arrays, Lithic alone (ngspice gives up long before these sizes; its 64×64 and
# 128×128 figures are in the sections above): resistive reads up to 1024×1024 and the 256×256
# LLZO memristive transient of issue 7 (rows ramped to 0.5–0.8 V, held, reversed; TMAX 0.3 µs).
# One run each, wall time and peak RSS from /usr/bin/time; appends to BENCHMARKS.md.
# Usage: scripts/bench-crossbar-large.sh [--skip-1024]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-release.sh >/dev/null
lithic=.build/release/lithic
dir=$(mktemp -d /tmp/lithic-crossbar-large.XXXX)
rows=""
measure() {  # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$dir/t" "$@" > "$dir/log" 2>&1 || { echo "$label failed: $(tail -2 "$dir/log")" >&2; return; }
    read -r t m < <(tail -1 "$dir/t")
    local detail=""
    if [[ -f "$dir/out/metrics.json" ]]; then
        detail=$(python3 -c "
import json; m = json.load(open('$dir/out/metrics.json'))
keys = ['unknowns', 'time_steps', 'newton_iterations', 'refactorizations', 'krylov_solves', 'krylov_iterations']
print(', '.join(f'{k} {m[k]}' for k in keys if k in m))")
    fi
    rows+="| $label | $t | $((m/1024)) | $detail |"$'\n'
    echo "$label: $t s, $((m/1024)) MiB" >&2
    rm -rf "$dir/out"
}
for n in 128 256; do
    measure "${n}×${n} resistive read (operating point)" "$lithic" crossbar --rows $n --columns $n -o "$dir/out" --quiet
done
python3 -c "import random; r=random.Random(256); print('\n'.join(f'{0.5+0.3*r.random():.3f}' for _ in range(256)))" > "$dir/in256.csv"
measure "256×256 LLZO memristive transient, 60 µs" "$lithic" crossbar --rows 256 --columns 256 --model level=10 --x0 0.6 \
    --operation transient --inputs "$dir/in256.csv" --rwire 2.5 --tstep 0.3u -o "$dir/out" --quiet
if [[ "${1:-}" != "--skip-1024" ]]; then
    measure "1024×1024 resistive read (operating point)" "$lithic" crossbar --rows 1024 --columns 1024 -o "$dir/out" --quiet
fi
python3 scripts/drop-bench-section.py "## Large crossbar arrays (scripts/bench-crossbar-large.sh)"
{
  echo
  echo "## Large crossbar arrays (scripts/bench-crossbar-large.sh)"
  echo
  echo "Lithic alone, one run each on this machine ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)). Resistive reads:"
  echo "2.5 Ω segments, random cells in [10 kΩ, 100 kΩ]. Transient: LLZO filament cells (level 10, x0 0.6 µm), rows ramped"
  echo "to 0.5–0.8 V, held, reversed, TMAX 0.3 µs. Targets (issue 7): 128×128 operating point < 1 s; 256×256 memristive transient"
  echo "of ≥ 200 steps < 60 s within 4 GiB; 1024×1024 read completes."
  echo
  echo "| case | wall s | peak MiB | solver counters |"
  echo "|---|---|---|---|"
  printf "%s" "$rows"
} >> BENCHMARKS.md
echo "appended to BENCHMARKS.md" >&2
