#!/usr/bin/env bash
# The release build of `lithic` that `make demo`, `make build` and every benchmark script use: one
# configuration, so no script triggers a full rebuild of another's. `--static-swift-stdlib` links
# the Swift runtime and Foundation into the binary: no relocation of ~15 shared libraries at start,
# 5-6 MiB less resident memory on every run; a position-dependent executable (-no-pie) has no
# 77,000 relative relocations to apply at start (1.6-1.9 MiB less), and identical code folding
# merges duplicate generic specialisations (0.3 MiB). Measured in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# The static Foundation archive makes the linker warn about its own use of mktemp; not ours.
# pipefail: the pipeline fails exactly when the build does.
# LITHIC_RELEASE_SCRATCH: build into that folder instead of .build (the binary is then
# $LITHIC_RELEASE_SCRATCH/release/lithic), so that engineers sharing a checkout do not rebuild each
# other's release tree; unset, the build goes to .build as always.
scratch=()
if [[ -n "${LITHIC_RELEASE_SCRATCH:-}" ]]; then scratch=(--scratch-path "$LITHIC_RELEASE_SCRATCH"); fi
swift build -c release --product lithic --static-swift-stdlib -Xlinker -no-pie -Xlinker --icf=all ${scratch[@]+"${scratch[@]}"} "$@" 2>&1 | { grep --line-buffered -v -e "use of \`mktemp' is dangerous" || true; }
