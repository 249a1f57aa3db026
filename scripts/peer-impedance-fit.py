#!/usr/bin/env python3
"""One impedance.py fit as a user runs it, for the user-timed benchmark (scripts/bench-fit.py):
import impedance.py, read the file with its reader, drop the inductive points (as its tutorial
does), fit `CustomCircuit` with its defaults from the same guessed start Lithic uses, and write
the parameters and the model next to the data (as `lithic fit` writes its reports).

Usage: peer-impedance-fit.py FILE CIRCUIT OUTPUT.csv
Prints `fit_seconds S rms_relative R` (the `CustomCircuit.fit` call alone, and its residual);
the caller times the whole process."""
import math
import os
import sys
import time

READERS = {".csv": None, ".mpt": "biologic", ".dta": "gamry", ".z": "zplot"}


def guess(circuit, f, Z):
    """The same heuristic as Lithic's InitialGuess (Sources/Fitting/InitialGuess.swift) for the
    R, CPE and Wo elements of the benchmark circuits."""
    import numpy as np
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
            out.append(rmin if first else span / nres)
            first = False
        elif tok.startswith("CPE"):
            out += [tau / (span / nres), 0.9]
        elif tok.startswith("Wo"):
            out += [span / nres, 1 / (2 * math.pi * fmin)]
    return out


def read(path):
    from impedance import preprocessing
    kind = READERS.get(os.path.splitext(path)[1].lower())
    return preprocessing.readCSV(path) if kind is None else preprocessing.readFile(path, instrument=kind)


def main():
    path, circuit, output = sys.argv[1:4]
    import numpy as np
    from impedance import preprocessing
    from impedance.models.circuits import CustomCircuit
    f, Z = read(path)
    f, Z = preprocessing.ignoreBelowX(f, Z)
    model = CustomCircuit(circuit, initial_guess=guess(circuit, f, Z))
    t0 = time.perf_counter()
    model.fit(f, Z)
    seconds = time.perf_counter() - t0
    zf = model.predict(f)
    with open(output, "w") as fh:
        fh.write("# " + circuit + " " + " ".join(f"{n}={v!r}" for n, v in zip(model.get_param_names()[0], model.parameters_)) + "\n")
        fh.write("frequency,z_real,z_imag,fit_real,fit_imag\n")
        for x, z, m in zip(f, Z, zf):
            fh.write(f"{x!r},{z.real!r},{z.imag!r},{m.real!r},{m.imag!r}\n")
    rel = np.concatenate([(zf.real - Z.real) / abs(Z), (zf.imag - Z.imag) / abs(Z)])
    print(f"fit_seconds {seconds!r} rms_relative {float(np.sqrt(np.mean(rel ** 2)))!r}")


if __name__ == "__main__":
    main()
