# Lithic: the two commands of the README contract, plus peers and benchmarks.
#   make demo   install missing apt packages, build (release), simulate the example, write outputs + SVG
#   make test   install missing apt packages (and ngspice, spicelib for the raw-file test), run the whole test suite (what CI runs)
SWIFT ?= swift
DEMO_OUT ?= out/demo

.PHONY: demo test build goldens bench fuzz clean

demo:
	@scripts/setup.sh
	scripts/build-release.sh
	.build/release/lithic run examples/rc-ladder/ladder.cir -o $(DEMO_OUT) --plot --raw $(DEMO_OUT)/ladder.raw
	@echo "Outputs in $(DEMO_OUT)/ (tran.csv, ac.csv, measures.json, ladder.raw, *.svg)"
	scripts/setup-python.sh

test:
	@scripts/setup.sh ngspice
	@scripts/setup-spicelib.sh
	@scripts/peer-vacask.sh
	$(SWIFT) build --product lithic
	$(SWIFT) test
	scripts/setup-python.sh
	LITHIC_BINARY=$(CURDIR)/.build/debug/lithic .build/python/venv/bin/python -m pytest -q -p no:cacheprovider python/tests

build:
	@scripts/setup.sh
	scripts/build-release.sh

# Regenerates netlists/golden/*.raw with Debian's ngspice (installed if missing).
goldens:
	@scripts/setup.sh ngspice
	scripts/make-goldens.sh

bench:
	@scripts/setup.sh ngspice
	scripts/bench.sh

fuzz:
	@scripts/setup.sh
	scripts/fuzz.sh

clean:
	rm -rf .build out
