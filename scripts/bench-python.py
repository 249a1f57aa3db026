#!/usr/bin/env python3
"""Per-call cost of a small netlist run from Python: in-process (lithic.Circuit.run through
libLithicC.so) against a `lithic run` subprocess per call, and peak resident memory.
Usage: .build/python/venv/bin/python scripts/bench-python.py [CALLS] (LITHIC_BINARY: the CLI)."""
import os
import resource
import subprocess
import sys
import tempfile
import time

import lithic

NETLIST = """RC, one operating point and a 20-point AC sweep
V1 in 0 DC 1 AC 1
R1 in out 1k
C1 out 0 1u
.op
.ac dec 5 10 100k
.meas ac f3db WHEN vdb(out)=-3
.end
"""


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    binary = os.environ.get("LITHIC_BINARY", ".build/debug/lithic")
    c = lithic.Circuit.from_string(NETLIST)
    c.run()
    t = time.perf_counter()
    for _ in range(calls):
        r = c.run()
    inproc = (time.perf_counter() - t) / calls
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "rc.cir")
        open(path, "w").write(NETLIST)
        sub_calls = max(1, calls // 10)
        t = time.perf_counter()
        for _ in range(sub_calls):
            subprocess.run([binary, "run", path, "-o", os.path.join(d, "out"), "--quiet"], check=True, capture_output=True)
        sub = (time.perf_counter() - t) / sub_calls
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"in-process Circuit.run: {inproc * 1e3:.3f} ms/call over {calls} calls (f3db = {r.measures['f3db']:.6g} Hz)")
    print(f"lithic run subprocess:  {sub * 1e3:.3f} ms/call over {sub_calls} calls ({binary})")
    print(f"ratio {sub / inproc:.1f}x; Python process peak RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
