#!/usr/bin/env bash
# Memristive crossbar transients (LLZO filament cells, rows ramped to 0.5–0.8 V, held, reversed; 60 µs):
# Lithic's built-in devices (`lithic crossbar --operation transient`) against ngspice on the netlist
# Lithic emits for the same array (behavioural twins: B-sources with the state on a capacitor),
# plus Lithic running that same emitted netlist. One run each, this machine; appends to BENCHMARKS.md.
# Usage: scripts/bench-crossbar.sh [N ...]   (default 16 32 64)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-16 32 64}
scripts/build-release.sh >/dev/null
lithic=.build/release/lithic
dir=$(mktemp -d /tmp/lithic-crossbar.XXXX)
rows=""
for n in $sizes; do
    python3 -c "import random; r=random.Random($n); print('\n'.join(f'{0.5+0.3*r.random():.3f}' for _ in range($n)))" > "$dir/in$n.csv"
    /usr/bin/time -f "%e %M" -o "$dir/li$n.time" "$lithic" crossbar --rows "$n" --columns "$n" --model level=10 --x0 0.6 --operation transient \
        --inputs "$dir/in$n.csv" --rwire 2.5 --emit "$dir/x$n.cir" -o "$dir/li$n" --quiet > "$dir/li$n.log"
    timeout 3600 /usr/bin/time -f "%e %M" -o "$dir/ng$n.time" ngspice -b -r "$dir/ng$n.raw" "$dir/x$n.cir" > "$dir/ng$n.log" 2>&1 || echo "ngspice failed or timed out on $n" >&2
    /usr/bin/time -f "%e %M" -o "$dir/lt$n.time" "$lithic" run "$dir/x$n.cir" -o "$dir/lt$n" --raw "$dir/lt$n.raw" --binary --quiet > /dev/null 2>&1 || true
    read -r lit lim < <(tail -1 "$dir/li$n.time")
    read -r ngt ngm < <(tail -1 "$dir/ng$n.time" 2>/dev/null || echo "nan 0")
    read -r ltt ltm < <(tail -1 "$dir/lt$n.time")
    agree=$(python3 Benchmarks/compare.py "$dir/ng$n.raw" "$dir/lt$n.raw" 2>/dev/null || echo "n/a")
    speed=$(python3 -c "print(f'{$ngt/max($lit,0.005):.0f}x')" 2>/dev/null || echo "n/a")
    rows+="| ${n}×${n} | $ngt | $lit | $speed | $ltt | $((ngm/1024)) | $((lim/1024)) | $agree |"$'\n'
    echo "crossbar $n: ngspice $ngt s, lithic $lit s (built-in), $ltt s (emitted netlist)" >&2
done
python3 scripts/drop-bench-section.py "## Memristive crossbar transients (scripts/bench-crossbar.sh)"
{
  echo
  echo "## Memristive crossbar transients (scripts/bench-crossbar.sh)"
  echo
  echo "LLZO-filament cells (level 10, x0 0.6 µm), 2.5 Ω wire segments, rows ramped to 0.5–0.8 V, held 30 µs, reversed, 60 µs;"
  echo "Lithic's built-in devices against ngspice on the netlist Lithic emits (behavioural twins, \`--emit\`), same run."
  echo "Agreement: Lithic running the emitted netlist against ngspice, worst deviation relative to each vector's peak."
  echo
  echo "| array | ngspice s | Lithic s | speed-up | Lithic on emitted netlist s | ngspice MiB | Lithic MiB | agreement |"
  echo "|---|---|---|---|---|---|---|---|"
  printf "%s" "$rows"
} >> BENCHMARKS.md
echo "appended to BENCHMARKS.md" >&2
