#!/usr/bin/env python3
"""Bae's four breathing descriptors from a breathing.cir run (PHYSICS.md T2), over the last four cycles:
amplitude of phi at the cycle frequency (Fourier coefficient by trapezoidal quadrature on the simulator's own
time points, peak value |c1|), phase lag of the contact loss (-phi) behind the current, mean interface resistance R_if of interface a
(v(li1) - v(e1) over the current, Ohm cm2, on 1 cm2) and its peak-to-peak swing DR_if.
Usage: descriptors.py OUT_DIR [OUT_DIR ...]  (each a `lithic run … -o OUT_DIR` of breathing.cir)"""
import cmath, csv, math, sys

PERIOD, CYCLES, CURRENT = 7200.0, 8, 0.5e-3   # s, cycles, A (1 cm2)

def current(t):
    """The PULSE source Ic: +0.5 mA (strips interface a) in the first half of each period, -0.5 mA after."""
    tau = t % PERIOD
    if tau < 1: return -CURRENT + 2 * CURRENT * tau
    if tau < 3600: return CURRENT
    if tau < 3601: return CURRENT - 2 * CURRENT * (tau - 3600)
    return -CURRENT

def descriptors(path):
    rows = list(csv.DictReader(open(path)))
    t = [float(r["time"]) for r in rows]
    phi = [float(r["phi(ya)"]) for r in rows]
    drop = [float(r["v(li1)"]) - float(r["v(e1)"]) for r in rows]
    start, end = (CYCLES - 4) * PERIOD, CYCLES * PERIOD
    w = 2 * math.pi / PERIOD
    def coefficient(values):
        c = 0j
        for k in range(1, len(t)):
            if t[k] <= start or t[k - 1] >= end: continue
            a, b = max(t[k - 1], start), min(t[k], end)
            f = lambda x: values[k - 1] + (values[k] - values[k - 1]) * (x - t[k - 1]) / (t[k] - t[k - 1])
            c += 0.5 * (b - a) * (f(a) * cmath.exp(-1j * w * a) + f(b) * cmath.exp(-1j * w * b))
        return c * 2 / (end - start)
    cphi, cj = coefficient(phi), coefficient([current(x) for x in t])
    lag = math.degrees(cmath.phase(cj) - cmath.phase(-cphi)) % 360   # stripping (j > 0) opens voids
    last = [k for k in range(len(t)) if t[k] >= end - PERIOD and abs(current(t[k])) >= 0.99 * CURRENT and (t[k] % 3600) > 60]
    rif = [drop[k] / current(t[k]) for k in last]   # Ohm on 1 cm2, i.e. Ohm cm2
    return abs(cphi), lag, sum(rif) / len(rif), max(rif) - min(rif)

if __name__ == "__main__":
    print(f"{'run':<28} {'amplitude':>10} {'lag deg':>8} {'mean Rif':>9} {'dRif':>8}")
    for d in sys.argv[1:]:
        a, lag, mean, swing = descriptors(f"{d}/tran.csv")
        print(f"{d:<28} {a:>10.4f} {lag:>8.1f} {mean:>9.2f} {swing:>8.2f}")
