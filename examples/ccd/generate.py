#!/usr/bin/env python3
"""Writes the critical-current-density staircase netlists (PHYSICS.md T1): Li|LLZO|Li, 1 cm²,
500 µm LLZO, 3 MPa, current density raised by 0.1 mA/cm² per cycle of 0.5 h plating + 0.5 h
stripping; bare interface versus a PPC interlayer."""
import os

def ccd(title, card, steps=30):
    points, t = ["0 0"], 0.0
    for k in range(1, steps + 1):
        current = k * 1e-4  # 0.1 mA/cm² × k on 1 cm²
        points += [f"{t + 1:g} {current:g}", f"{t + 1800:g} {current:g}", f"{t + 1801:g} {-current:g}", f"{t + 3600:g} {-current:g}"]
        t += 3600
    return "\n".join([
        f"Critical current density staircase, {title}",
        "* Li|LLZO|Li symmetric cell: 0.1 mA/cm2 steps, 0.5 h per half-cycle, 1 cm2, 500 um LLZO, 3 MPa (PHYSICS.md T1).",
        "* A short shows as filament(ya) or filament(yb) reaching the 500 um electrolyte thickness.",
        "Ic 0 li1 PWL(" + " ".join(points) + ")",
        "YLIINTERFACE a li1 e1 iface",
        "Rbulk e1 e2 1.1",
        "YLIINTERFACE b 0 e2 iface",
        f".model iface liinterface ({card})",
        f".tran 60 {t:g} 0 60",
        ".save v(li1) v(e1) v(e2) filament(ya) filament(yb) phi(ya) phi(yb)",
        ".end",
    ]) + "\n"

here = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(here, "bare.cir"), "w").write(ccd("bare Li|LLZO interface", "pressure=3meg phiw=0.3 kappa=3"))
open(os.path.join(here, "ppc.cir"), "w").write(ccd("PPC interlayer", "pressure=3meg phiw=0.95 kappa=1 kadh=2e-3 ril=1.4e-3 rc0=0 rirr=0"))
