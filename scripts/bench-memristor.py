#!/usr/bin/env python3
"""Memristor benchmarks (issue 5): every built-in compact model under a 1 kHz sine for 1000 periods,
and the LLZO filament device for 200 SET/RESET cycles (examples/llzo-memristor/cycling.cir), each
against ngspice running the model's behavioural twin (netlists/memristor_*_twin.cir) on the same
drive, in the same run. Appends (or replaces) a section of BENCHMARKS.md.

Usage: scripts/bench-memristor.py   (after `scripts/build-release.sh`)
"""
import os, re, subprocess, sys, tempfile, bisect, math

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Benchmarks"))
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
lithic = os.path.join(root, ".build/release/lithic")

# (model, .model card, initial state, twin netlist, sine amplitude V)
MODELS = [
    ("linear drift (Biolek)", "level=1 ron=100 roff=16k d=10n uv=1e-14 p=2 wt=2", 0.1, "memristor_biolek_twin", 1.0),
    ("TEAM", "level=2 wt=4 xscaling=1e9", 0.1, "memristor_team_twin", 0.5),
    ("Yakopcic", "level=3 a1=0.17 a2=0.17 b=0.05 vp=0.16 vn=0.15 ap=4000 an=4000 xp=0.3 xn=0.5 alphap=1 alphan=5 eta=1", 0.11, "memristor_yakopcic_twin", 0.5),
    ("VTEAM", "level=5", 0.6, "memristor_vteam_twin", 0.3),
    ("Stanford/ASU", "level=6", 1.0, "memristor_stanford_twin", 1.6),
    ("LLZO filament", "level=10", 0.02, "memristor_llzo_twin", 1.0),
]

SINE = ("V1 a 0 SIN(0 {amp} 1k)", ".tran 10u 1 0 10u uic")


def read_raw(path):
    """Binary raw file → {name: [values]} of the last plot."""
    import struct
    data = open(path, "rb").read()
    i, cols = 0, {}
    names, npts, nvars = [], 0, 0
    while i < len(data):
        j = data.index(b"\n", i); line = data[i:j].decode(errors="replace"); i = j + 1
        if line.startswith("No. Variables:"): nvars = int(line.split(":")[1])
        elif line.startswith("No. Points:"): npts = int(line.split(":")[1])
        elif line.startswith("Variables:"):
            names = []
            for _ in range(nvars):
                j = data.index(b"\n", i); names.append(data[i:j].decode().split()[1].lower()); i = j + 1
        elif line.startswith("Binary:"):
            vals = struct.unpack_from("<%dd" % (npts * nvars), data, i); i += npts * nvars * 8
            cols = {n: vals[k::nvars] for k, n in enumerate(names)}
    return cols


def interp(xs, ys, x):
    k = bisect.bisect_right(xs, x)
    if k <= 0: return ys[0]
    if k >= len(xs): return ys[-1]
    t = (x - xs[k - 1]) / (xs[k] - xs[k - 1]) if xs[k] != xs[k - 1] else 0
    return ys[k - 1] + t * (ys[k] - ys[k - 1])


def timed(cmd, log):
    tf = log + ".time"
    subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tf] + cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    sec, kib = open(tf).read().split()[-2:]
    return float(sec), int(kib) / 1024


def rms_difference(ng, li):
    """RMS of Lithic − ngspice current at ngspice's points, relative to the current range."""
    t, g = ng["time"], ng["i(v1)"]
    lt, lv = li["time"], li["i(v1)"]
    s = sum((interp(lt, lv, tt) - gg) ** 2 for tt, gg in zip(t, g))
    rng = max(g) - min(g)
    return math.sqrt(s / len(t)) / rng if rng > 0 else float("nan")


def case(work, label, card, x0, twin, source, tran):
    twin_text = open(os.path.join(root, "netlists", twin + ".cir")).read()
    twin_text = re.sub(r"(?m)^V1 a 0 .*$", source, twin_text)
    twin_text = re.sub(r"(?m)^\.tran .*$", tran, twin_text)
    builtin = f"{label} built-in\n.options reltol=1e-5\n{source}\nYMEMRISTOR m1 a 0 mm x0={x0}\n.model mm memristor {card}\n{tran}\n.save i(v1)\n.end\n"
    tag = re.sub(r"\W+", "_", label + "_" + source[:20])
    tn, bn = os.path.join(work, tag + ".twin.cir"), os.path.join(work, tag + ".cir")
    open(tn, "w").write(twin_text.replace(".end", ".save i(v1)\n.end"))
    open(bn, "w").write(builtin)
    ngt, ngm = timed(["ngspice", "-b", "-r", tn + ".raw", tn], tn + ".log")
    lit, lim = timed([lithic, "run", bn, "-o", bn + ".out", "--raw", bn + ".raw", "--binary", "--quiet"], bn + ".log")
    ng_log = open(tn + ".log", errors="replace").read()
    aborted = re.search(r"Timestep too small; time = ([0-9.eE+-]+)", ng_log)
    try:
        agree = rms_difference(read_raw(tn + ".raw"), read_raw(bn + ".raw"))
        agree = f"{100 * agree:.3f} %"
    except Exception as e:  # a failed run shows in the table rather than stopping the benchmark
        agree = f"n/a ({type(e).__name__})"
    if aborted:
        agree = f"ngspice aborted at t = {float(aborted.group(1)):.4g} s (timestep too small)"
    print(f"{label}: lithic {lit:.2f} s, ngspice twin {ngt:.2f} s, RMS {agree}", file=sys.stderr)
    speed = "— (ngspice failed)" if aborted else f"{ngt / max(lit, 0.005):.1f}x"
    return f"| {label} | {ngt:.2f} | {lit:.2f} | {speed} | {ngm:.0f} | {lim:.0f} | {agree} |"


def main():
    work = tempfile.mkdtemp(prefix="lithic-memristor.")
    rows = []
    for label, card, x0, twin, amp in MODELS:
        rows.append(case(work, label, card, x0, twin, SINE[0].format(amp=amp), SINE[1]))
    cyc = open(os.path.join(root, "examples/llzo-memristor/cycling.cir")).read()
    source = re.search(r"(?m)^V1 a 0 .*$", cyc).group(0)
    tran = re.search(r"(?m)^\.tran .*$", cyc).group(0) + " uic"
    rows.append(case(work, "LLZO 200 SET/RESET cycles", "level=10", 0.02, "memristor_llzo_twin", source, tran))

    section = ["", "## Memristors (scripts/bench-memristor.py)", "",
               "One device driven by a voltage source: each model under a 1 kHz sine for 1000 periods (`.tran 10u 1`),",
               "and the LLZO filament through examples/llzo-memristor/cycling.cir (200 SET/RESET cycles, 4 s).",
               "ngspice runs the model's behavioural twin (netlists/memristor_*_twin.cir, B-sources with the state on",
               "a capacitor) on the same drive; agreement is the RMS difference of the current relative to its range.",
               "Targets (issue 5): a single memristor 1000 periods < 1 s; LLZO 200 cycles < 2 s.", "",
               "| case | ngspice twin s | Lithic s | speed-up | ngspice MiB | Lithic MiB | RMS difference |",
               "|---|---|---|---|---|---|---|"] + rows
    path = os.path.join(root, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = text.find("\n## Memristors (scripts/bench-memristor.py)")
    if start >= 0:
        end = text.find("\n## ", start + 5)
        text = text[:start] + (text[end:] if end >= 0 else "\n")
    open(path, "w").write(text.rstrip("\n") + "\n" + "\n".join(section) + "\n")


if __name__ == "__main__":
    main()
