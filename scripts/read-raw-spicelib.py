#!/usr/bin/env python3
"""Reads raw files with spicelib, without naming a dialect, and prints what it read as JSON.

Usage: read-raw-spicelib.py FILE.raw ...
Output: {"FILE.raw": {"dialect": "ngspice", "plots": [{"name": ..., "vectors": {name: [re, ...] or
[[re, im], ...]}}]}} on stdout, every number as a hexadecimal float string (float.hex(): exact, where
a JSON number may be rounded by the reader). A read that takes more than 60 s is an error (an ASCII Lithic raw
file once made spicelib loop forever), so is any exception. Used by Tests/LithicTests/RawInteropTests.swift.
"""
import json
import signal
import sys

from spicelib import RawRead


def alarm(_signum, _frame):
    raise TimeoutError("spicelib took more than 60 s")


def values(wave):
    out = []
    for v in wave:
        if isinstance(v, complex) or getattr(v, "imag", 0) != 0 or "complex" in str(getattr(v, "dtype", "")):
            out.append([float(v.real).hex(), float(v.imag).hex()])
        else:
            out.append(float(v).hex())
    return out


def main():
    signal.signal(signal.SIGALRM, alarm)
    result = {}
    for path in sys.argv[1:]:
        signal.alarm(60)
        raw = RawRead(path)
        plots = []
        for plot in raw.plots:
            vectors = {}
            for name in plot.get_trace_names():
                vectors[name] = values(plot.get_trace(name).get_wave())
            plots.append({"name": plot.get_plot_name(), "vectors": vectors})
        signal.alarm(0)
        result[path] = {"dialect": raw.dialect, "plots": plots}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
