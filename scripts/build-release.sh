#!/usr/bin/env bash
# The release build of `lithic` that `make demo`, `make build` and every benchmark script use: one
# configuration, so no script triggers a full rebuild of another's. `--static-swift-stdlib` links
# the Swift runtime and Foundation into the binary: no relocation of ~15 shared libraries at start,
# 5-6 MiB less resident memory on every run (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# The static Foundation archive makes the linker warn about its own use of mktemp; not ours.
# pipefail: the pipeline fails exactly when the build does.
swift build -c release --product lithic --static-swift-stdlib "$@" 2>&1 | { grep --line-buffered -v -e "use of \`mktemp' is dangerous" || true; }
