#!/usr/bin/env python3
"""Issue 21's benchmark: the Python package against impedance.py in the same Python process,
and sweep throughput on 1 and 2 Dask workers. Replaces its section of BENCHMARKS.md.

1. Fits: every file of ../shared/data/eis-public/ (the points impedance.py's own readers give, as
   in impedance.py's tutorial: inductive points dropped), both circuits of bench-fit.py, unit
   weights, from the same initial guess (Tests/LithicTests/Fixtures/eis/impedancepy-reference.json,
   written by scripts/peer-impedance.sh): `impedance.models.circuits.CustomCircuit.fit` against
   `lithic.CustomCircuit.fit` with one start (the like-for-like call) and `lithic.fit` with its
   defaults (32 starts, modulus weights: what a user gets without options). Median of 5 calls
   (3 for impedance.py), each tool's final rms relative residual on the same points and weights.
2. Sweeps: a 200-point `lithic.distributed.sweep` of an RC transient on a LocalCluster of 1 and
   of 2 worker processes (one thread each), against the in-process `lithic.sweep`.

Run in the package's virtualenv (scripts/setup-python.sh): .build/python/venv/bin/python scripts/bench-python-peers.py
LITHIC_EIS_PUBLIC: the folder of public spectra (default ../shared/data/eis-public)."""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

import lithic

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
public = os.environ.get("LITHIC_EIS_PUBLIC") or os.path.join(root, "..", "shared", "data", "eis-public")
reference = json.load(open(os.path.join(root, "Tests/LithicTests/Fixtures/eis/impedancepy-reference.json")))
heading = "## Python package against impedance.py, and Dask sweeps (scripts/bench-python-peers.py)"


def median_time(f, repeats):
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def rms_relative(Z, model):
    return float(np.sqrt(np.mean(np.abs((Z - model) / Z) ** 2)))


def fits():
    from impedance import preprocessing
    from impedance.models.circuits import CustomCircuit as PeerCircuit
    readers = {".csv": preprocessing.readCSV, ".mpt": lambda p: preprocessing.readFile(p, "biologic"),
               ".DTA": lambda p: preprocessing.readFile(p, "gamry"), ".z": lambda p: preprocessing.readFile(p, "zplot")}
    rows = []
    for e in reference["results"]:
        if e.get("weighting") != "unit" or "seconds" not in e:
            continue
        path = os.path.join(public, e["file"])
        if not os.path.exists(path):
            continue
        ext = os.path.splitext(path)[1]
        f, Z = readers[ext](path)
        f, Z = preprocessing.ignoreBelowX(f, Z)
        guess = list(e["initial"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_peer, peer = median_time(lambda: PeerCircuit(e["circuit"], initial_guess=guess).fit(f, Z), 3)
            t_one, one = median_time(lambda: lithic.CustomCircuit(e["circuit"], initial_guess=guess).fit(f, Z, starts=1), 5)
            t_default, default = median_time(lambda: lithic.fit(f, Z, e["circuit"], warn=False), 5)
        rows.append(dict(file=e["file"], circuit=e["circuit"], points=len(f), peer=t_peer, one=t_one, default=t_default,
                         rms_peer=rms_relative(Z, peer.predict(f)), rms_one=rms_relative(Z, one.predict(f)),
                         rms_default=float(default.rms_relative)))
        print(f"{e['file']} {e['circuit']}: impedance.py {t_peer:.4f} s, lithic 1 start {t_one:.5f} s, 32 starts {t_default:.4f} s",
              file=sys.stderr)
    return rows


SWEEP = """RC step, 2001 output points per run
V1 in 0 PULSE(0 1 0 1n 1n 1 2)
R1 in out {r}
C1 out 0 1u
.param r=1k
.tran 10u 20m
.meas tran t63 WHEN v(out)=0.632 RISE=1
.end
"""


def sweeps(points=200):
    from dask.distributed import Client, LocalCluster
    import lithic.distributed as ld
    rng = np.random.default_rng(1)
    values = [{"r": float(r)} for r in rng.normal(1e3, 50, points)]
    circuit = lithic.Circuit.from_string(SWEEP)
    t_local, local = median_time(lambda: lithic.sweep(circuit, values), 1)
    out = {"points": points, "in_process": t_local}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            ld.sweep(circuit, values[:4], client=client)  # workers import lithic once before timing
            t, remote = median_time(lambda: ld.sweep(circuit, values, client=client), 1)
        out[workers] = t
        out[f"same_{workers}"] = bool(remote.equals(local))
        print(f"sweep {points} points on {workers} worker(s): {t:.2f} s (in process {t_local:.2f} s)", file=sys.stderr)
    # Analytic check of every row: t63 = RC (interpolated on the 10 µs output grid).
    t63 = np.asarray(local["t63"], dtype=float)
    rc = np.asarray(local["r"], dtype=float) * 1e-6
    out["t63_error"] = float(np.max(np.abs(t63 / rc - 1)))
    return out


def main():
    load = os.getloadavg()
    rows = fits()
    s = sweeps()
    load_end = os.getloadavg()
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except (OSError, AttributeError):
        cpu = platform.processor()
    lines = [heading, "",
             f"Measured on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
             f"impedance.py {reference.get('impedance_version', '?')}, library {os.path.basename(lithic.library_path)} "
             f"({'release' if '/release/' in lithic.library_path else 'debug build with optimised numeric modules, as make test builds it'}); "
             f"load average {load[0]:.1f} at the start, {load_end[0]:.1f} at the end.",
             "", "Per call in one Python process, same points (impedance.py's readers, inductive points dropped), unit weights, "
             "same initial guess. rms = each call's rms relative residual on those points.", "",
             "| file | circuit | N | impedance.py `CustomCircuit.fit` s | `lithic.CustomCircuit.fit(starts=1)` s | speed-up | `lithic.fit` defaults (32 starts) s | speed-up | rms impedance.py | rms lithic 1 start | rms lithic defaults |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['file']} | `{r['circuit']}` | {r['points']} | {r['peer']:.4f} | {r['one']:.5f} | {r['peer'] / r['one']:.0f}x | "
                     f"{r['default']:.4f} | {r['peer'] / r['default']:.1f}x | {r['rms_peer']:.4e} | {r['rms_one']:.4e} | {r['rms_default']:.4e} |")
    if rows:
        one = sorted(r["peer"] / r["one"] for r in rows)
        default = sorted(r["peer"] / r["default"] for r in rows)
        lines += ["", f"One start, like for like: minimum {one[0]:.0f}x, median {statistics.median(one):.0f}x "
                      f"({sum(x >= 100 for x in one)} of {len(one)} rows at the issue's 100x or more). "
                      f"Defaults (32 starts against impedance.py's one): minimum {default[0]:.1f}x, median {statistics.median(default):.1f}x."]
    lines += ["", f"Sweep: {s['points']} points of an RC `.tran` (2001 output points each, one `.meas`), `lithic.sweep` in process "
                  f"{s['in_process']:.2f} s; `lithic.distributed.sweep` on a LocalCluster: 1 worker {s[1]:.2f} s, 2 workers {s[2]:.2f} s "
                  f"({s[1] / s[2]:.2f}x); tables equal to the in-process one: {s['same_1']} / {s['same_2']}; "
                  f"t63 against RC: worst {s['t63_error']:.2e} relative (10 µs output grid)."]
    text = "\n".join(lines) + "\n"
    bench = os.path.join(root, "BENCHMARKS.md")
    subprocess.run([sys.executable, os.path.join(root, "scripts/drop-bench-section.py"), heading], cwd=root, check=True)
    with open(bench, "a") as f:
        f.write("\n" + text)
    print(text)


if __name__ == "__main__":
    main()
