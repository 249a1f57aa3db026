#!/usr/bin/env bash
# Runs libFuzzer on the netlist reader, parser, expression evaluator and elaborator, then on the
# measured-spectrum readers (FuzzSpectrum: every layout, seeded with the spectrum fixtures).
# Usage: scripts/fuzz.sh [seconds] [spectrum-seconds]   (defaults 60 and 60). Reports executions and
# writes crashes to fuzz-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
spectrum_seconds=${2:-60}
swift build -c release --product FuzzNetlist --sanitize=fuzzer --scratch-path .build-fuzz >/dev/null
mkdir -p fuzz-corpus fuzz-out
cp netlists/*.cir examples/*/*.cir fuzz-corpus/ 2>/dev/null || true
SWIFT_BACKTRACE=enable=no .build-fuzz/release/FuzzNetlist fuzz-corpus -max_total_time="$seconds" -max_len=4096 -timeout=20 -rss_limit_mb=3000 \
    -artifact_prefix=fuzz-out/ -print_final_stats=1 2>&1 | tee fuzz-out/last.log | grep -E 'stat::number_of_executed_units|ERROR|crash|Done' || true
swift build -c release --product FuzzSpectrum --sanitize=fuzzer --scratch-path .build-fuzz >/dev/null
mkdir -p fuzz-corpus-spectrum
cp Tests/LithicTests/Fixtures/eis/*.* fuzz-corpus-spectrum/ 2>/dev/null || true
rm -f fuzz-corpus-spectrum/*.json fuzz-corpus-spectrum/MANIFEST.md
SWIFT_BACKTRACE=enable=no .build-fuzz/release/FuzzSpectrum fuzz-corpus-spectrum -max_total_time="$spectrum_seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2000 \
    -artifact_prefix=fuzz-out/ -print_final_stats=1 2>&1 | tee fuzz-out/last-spectrum.log | grep -E 'stat::number_of_executed_units|ERROR|crash|Done' || true
