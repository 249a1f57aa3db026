#!/usr/bin/env bash
# Lithic against ngspice on the same generated netlists, in one run on this machine.
# Writes BENCHMARKS.md: wall time, peak memory (GNU time), ratios and waveform agreement.
# Usage: scripts/bench.sh [case ...]   (default: all cases of Benchmarks/generate.py)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-release.sh >/dev/null
dir=$(mktemp -d /tmp/lithic-bench.XXXX)
python3 Benchmarks/generate.py "$dir" "$@" > "$dir/cases"
out=BENCHMARKS.md.tmp
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(ngspice --version 2>/dev/null | grep -m1 -o 'ngspice-[0-9.]*' || echo ngspice)."
  echo "Same netlist for both (Benchmarks/generate.py), one run each, wall-clock seconds and peak resident memory."
  echo "Agreement: worst deviation of the saved vectors relative to their peak (Lithic interpolated onto ngspice's time points)."
  echo "memristive_N simulates 30 periods of the 1 kHz drive (ngspice takes one to two minutes on 32×32, the scale of issue 2's 62 s figure)."
  echo
  echo "| case | ngspice s | Lithic s | speed-up | ngspice MiB | Lithic MiB | agreement |"
  echo "|---|---|---|---|---|---|---|"
} > "$out"
while read -r name; do
  net="$dir/$name.cir"
  /usr/bin/time -f "%e %M" -o "$dir/$name.ng.time" ngspice -b -r "$dir/$name.ng.raw" "$net" > "$dir/$name.ng.log" 2>&1 || true
  /usr/bin/time -f "%e %M" -o "$dir/$name.li.time" .build/release/lithic run "$net" -o "$dir/$name.li" --raw "$dir/$name.li.raw" --binary --quiet > "$dir/$name.li.log" 2>&1 || true
  read -r ngt ngm < <(tail -1 "$dir/$name.ng.time")
  read -r lit lim < <(tail -1 "$dir/$name.li.time")
  agree=$(python3 Benchmarks/compare.py "$dir/$name.ng.raw" "$dir/$name.li.raw" 2>/dev/null || echo "n/a")
  speed=$(python3 -c "print(f'{$ngt/max($lit,0.005):.1f}x')")
  echo "| $name | $ngt | $lit | $speed | $((ngm/1024)) | $((lim/1024)) | $agree |" >> "$out"
  echo "$name: ngspice $ngt s, lithic $lit s, agreement $agree" >&2
done < "$dir/cases"
# Keep the hand-measured sections (headings without "(scripts/…)"); the scripts below append
# their own sections afresh.
if [[ -f BENCHMARKS.md ]]; then
  python3 -c "
import re, sys
text = open('BENCHMARKS.md').read()
for part in re.split(r'(?m)^(?=## )', text)[1:]:
    if '(scripts/' not in part.splitlines()[0]:
        sys.stdout.write('\n' + part.rstrip('\n') + '\n')" >> "$out"
fi
mv "$out" BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
# Fitting against impedance.py (same run): refresh the peer reference, then time both.
scripts/peer-impedance.sh
python3 scripts/bench-fit.py
# lin-KK and DRT against pyimpspec and pyDRTtools (installs them in the peers' virtualenv; own section).
scripts/peer-kk-drt.sh
scripts/bench-eis.sh
scripts/bench-cycler.sh
python3 scripts/bench-memristor.py
scripts/bench-crossbar.sh
scripts/bench-crossbar-large.sh
# The Python package against impedance.py in one process, and Dask sweeps on 1 and 2 workers (own section).
scripts/setup-python.sh
.build/python/venv/bin/python scripts/bench-python-peers.py
