#!/usr/bin/env python3
"""Removes one section ("## HEADING" up to the next "## ") from BENCHMARKS.md, so that a benchmark
script can append its fresh section. Usage: scripts/drop-bench-section.py "## Heading (scripts/x.sh)"."""
import sys

heading = sys.argv[1]
text = open("BENCHMARKS.md").read()
start = text.find("\n" + heading)
if start >= 0:
    end = text.find("\n## ", start + 5)
    text = text[:start] + (text[end:] if end >= 0 else "\n")
    open("BENCHMARKS.md", "w").write(text.rstrip("\n") + "\n")
