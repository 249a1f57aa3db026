#!/usr/bin/env python3
"""Fits the real spectra with impedance.py (PyPI `impedance`) and writes the reference JSON that
Lithic's peer test compares against: same files, same circuits, same starting values, same
weighting (unit = impedance.py's default; boukamp = weight_by_modulus=True).
Run through scripts/peer-impedance.sh, which installs impedance.py in a virtualenv under .build/."""
import json, sys, time, os, math
import numpy as np
from impedance import preprocessing
from impedance.models.circuits import CustomCircuit

FIXTURES = sys.argv[1]
OUT = sys.argv[2]
FILES = {
    "exampleData.csv": lambda p: preprocessing.readCSV(p),
    "exampleDataBioLogic.mpt": lambda p: preprocessing.readFile(p, instrument="biologic"),
    "exampleDataGamry.DTA": lambda p: preprocessing.readFile(p, instrument="gamry"),
    "exampleDataZPlot.z": lambda p: preprocessing.readFile(p, instrument="zplot"),
    "Circuit1_EIS_1.z": lambda p: preprocessing.readFile(p, instrument="zplot"),
}
CIRCUITS = ["R0-p(R1,CPE1)-Wo1", "R0-p(R1,CPE1)-p(R2,CPE2)"]

def guess(circuit, f, Z):
    """The same heuristic as Lithic's InitialGuess (Sources/Fitting/InitialGuess.swift)."""
    re = Z.real
    rmin = max(re.min(), 1e-6)
    span = max(re.max() - rmin, rmin * 0.1, 1e-6)
    peak = int(np.argmin(Z.imag))
    tau = 1 / (2 * math.pi * f[peak])
    fmin = f.min()
    nres = max(sum(1 for e in ["R0", "R1", "R2"] if e in circuit) - 1, 1)
    out = []
    first = True
    for tok in circuit.replace("p(", "").replace(")", "").replace(",", "-").split("-"):
        if tok.startswith("R"):
            out.append(rmin if first else span / nres); first = False
        elif tok.startswith("CPE"):
            out += [tau / (span / nres), 0.9]
        elif tok.startswith("Wo"):
            out += [span / nres, 1 / (2 * math.pi * fmin)]
    return out

results = []
for name, reader in FILES.items():
    f, Z = reader(os.path.join(FIXTURES, name))
    f, Z = preprocessing.ignoreBelowX(f, Z)
    for circuit in CIRCUITS:
        for weighting, by_modulus in (("unit", False), ("boukamp", True)):
            start = guess(circuit, f, Z)
            times = []
            model = None
            error = None
            for _ in range(3):
                try:
                    c = CustomCircuit(circuit, initial_guess=list(start))
                    t0 = time.perf_counter()
                    c.fit(f, Z, weight_by_modulus=by_modulus)
                    times.append(time.perf_counter() - t0)
                    model = c
                except Exception as e:  # impedance.py can fail (e.g. maxfev)
                    error = str(e)
                    break
                if times[-1] > 2:
                    break
            entry = {"file": name, "circuit": circuit, "weighting": weighting, "initial": start,
                     "points": len(f)}
            if model is not None:
                p = list(map(float, model.parameters_))
                conf = [float(x) if np.isfinite(x) else None for x in model.conf_]
                zf = model.predict(f)
                rel = np.concatenate([(zf.real - Z.real) / abs(Z), (zf.imag - Z.imag) / abs(Z)])
                entry.update({"parameters": p, "stderr": conf, "rms_relative": float(np.sqrt(np.mean(rel ** 2))),
                              "seconds": float(np.median(times))})
            else:
                entry["error"] = error
            results.append(entry)
            print(name, circuit, weighting, entry.get("rms_relative"), entry.get("seconds"), file=sys.stderr)

import impedance
with open(OUT, "w") as fh:
    json.dump({"impedance_version": getattr(impedance, "__version__", "?"), "numpy": np.__version__, "results": results}, fh, indent=1)
