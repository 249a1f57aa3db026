#!/usr/bin/env bash
# FFT impedance spectroscopy timing: the Li|LLZO|Li cell of examples/netlist-fit (bulk, grain
# boundary, interface), 1 MHz to 10 mHz at 10 points per decade, multisine versus single-sine
# sweep. Appends a section to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-release.sh >/dev/null
out=$(mktemp -d)
{
  echo
  echo "## FFT impedance spectroscopy (scripts/bench-eis.sh)"
  echo
  echo "\`lithic eis examples/netlist-fit/cell.cir --port a 0 --fmin 0.01 --fmax 1e6 --points-per-decade 10\`: 81 frequencies over 8 decades,"
  echo "time-domain simulation with FFT extraction, compared with AC analysis at the same frequencies."
  echo
  echo "| excitation | wall s | peak MiB | periods simulated | max \|Z_FFT − Z_AC\|/\|Z_AC\| |"
  echo "|---|---|---|---|---|"
} >> BENCHMARKS.md
for e in multisine sine; do
  /usr/bin/time -f "%e %M" -o "$out/$e.time" .build/release/lithic eis examples/netlist-fit/cell.cir --port a 0 --fmin 0.01 --fmax 1e6 \
      --points-per-decade 10 --excitation "$e" -o "$out/$e" > "$out/$e.log"
  read -r t m < "$out/$e.time"
  periods=$(grep -o '[0-9]* periods' "$out/$e.log" | cut -d' ' -f1)
  err=$(grep -o 'Z_AC| = [0-9.e+-]*' "$out/$e.log" | cut -d' ' -f3)
  echo "| $e | $t | $((m/1024)) | $periods | $err |" >> BENCHMARKS.md
done
