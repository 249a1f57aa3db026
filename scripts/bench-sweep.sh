#!/usr/bin/env bash
# Issue 20's user-timed sweep benchmark: N points of an RC transient with one .measure, as a
# user runs them (whole commands, default settings, outputs written):
#   1. `lithic run` of the netlist with `.step param r list …` (--jobs 1 and --jobs 2);
#   2. a shell loop of N `lithic run --param r=…` (what users did before .step);
#   3. ngspice 39 running the same circuit N times from a .control loop (alter + tran + meas).
# Usage: scripts/bench-sweep.sh [N]   (LITHIC_BINARY: default .build/release/lithic)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100}"
bin="${LITHIC_BINARY:-.build/release/lithic}"
[ -x "$bin" ] || { echo "no lithic binary at $bin (scripts/build-release.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
values=$(awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) printf "%s%g", (k ? " " : ""), 1000 * (1 + k / n) }')
body='V1 in 0 PULSE(0 1 0 1n 1n 1 2)
R1 in out {r}
C1 out 0 1u
.tran 10u 10m
.measure tran t63 when v(out)=0.632 rise=1'
printf 'rc sweep\n.param r=1k\n%s\n.step param r list %s\n.end\n' "$body" "$values" > "$work/sweep.cir"
printf 'rc single\n.param r=1k\n%s\n.end\n' "$body" > "$work/single.cir"
{
  printf 'rc ngspice loop\nV1 in 0 PULSE(0 1 0 1n 1n 1 2)\nR1 in out 1k\nC1 out 0 1u\n.control\nset noaskquit\n'
  printf 'foreach r %s\n  alter R1 = $r\n  tran 10u 10m\n  meas tran t63 when v(out)=0.632 rise=1\nend\n.endc\n.end\n' "$values"
} > "$work/loop.cir"
now() { date +%s.%N; }
t0=$(now); "$bin" run "$work/sweep.cir" -o "$work/j1" --jobs 1 --quiet > /dev/null; t1=$(now)
"$bin" run "$work/sweep.cir" -o "$work/j2" --jobs 2 --quiet > /dev/null; t2=$(now)
for v in $values; do "$bin" run "$work/single.cir" --param r="$v" -o "$work/loop-$v" --quiet > /dev/null; done; t3=$(now)
ngspice -b "$work/loop.cir" > "$work/ngspice.log" 2>&1 || true; t4=$(now)
measured=$(grep -c "^t63 " "$work/ngspice.log" || true)
# Agreement: Lithic's t63 column (steps.csv: step,r,t63,status,error) against ngspice's, point by point.
agreement=$(paste -d' ' <(awk -F, 'NR > 1 { print $3 }' "$work/j1/steps.csv") <(awk '/^t63 / { print $3 }' "$work/ngspice.log") |
  awk '{ d = ($1 - $2) / $2; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.1e", m }')
rows=$(($(wc -l < "$work/j1/steps.csv") - 1))
cmp -s "$work/j1/steps.csv" "$work/j2/steps.csv" && same=identical || same=DIFFERENT
awk -v n="$n" -v rows="$rows" -v measured="$measured" -v agreement="$agreement" -v same="$same" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" 'BEGIN {
  printf "| %d-point RC .tran sweep | %.2f s (%.1f ms/point) | %.2f s | %.2f s | %.2f s | %d rows, --jobs 1 vs 2 tables %s; ngspice measured %d points, t63 within %s of ngspice |\n",
         n, b - a, 1000 * (b - a) / n, c - b, d - c, e - d, rows, same, measured, agreement }'
