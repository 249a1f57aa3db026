#!/usr/bin/env python3
"""Lithic's lin-KK and DRT against pyimpspec (PyPI `pyimpspec`) and pyDRTtools (PyPI `pydrttools`)
on every spectrum of the public set (Tests/LithicTests/Fixtures/eis, the same files as
../shared/data/eis-public). Run through scripts/peer-kk-drt.sh, which installs both peers in the
virtualenv .build/peers/venv.

Both tools get exactly the points Lithic read: `lithic kk` writes them (frequency, Z', Z'') to its
.kk.csv, so reader differences cannot enter the comparison.

lin-KK. pyimpspec runs `perform_kramers_kronig_test` with its defaults (test "real", series C
and L, automatic log F_ext, automatic number of RC elements by its modified mu criterion). It
returns no verdict of its own; the verdict here applies the threshold Lithic uses (1 %) to
pyimpspec's own relative residuals: valid when every |Δ'|, |Δ''| < 1 %. Lithic: `lithic kk`
with its defaults (complex test, series C and L, M from the downward mu search bounded by
M <= N - 2).

DRT. pyDRTtools runs `simple_run` with its defaults (Gaussian RBF, FWHM coefficient 0.5,
combined Re-Im data, inductance fitted, 1st-order derivative penalty, lambda by GCV from 1e-3).
Lithic: `lithic drt` with its defaults (Gaussian RBF, 2nd-order penalty, lambda by GCV, tau on
the measured range, L an unknown when there are inductive points). Peaks on both sides are found
by one rule (Lithic's): local maxima of gamma whose prominence is at least 5 % of the largest
gamma, located by a parabola in ln tau. Peaks are paired in tau order when the counts agree.

R_inf is compared with the series resistance of a `lithic fit` of R0-p(R1,CPE1)-p(R2,CPE2)
(L0- in front when the spectrum has inductive points).

Usage: peer-kk-drt.py LITHIC_BINARY FIXTURES OUT.json   (also rewrites BENCHMARKS.md's section)
"""
import csv, json, math, os, subprocess, sys, tempfile, time
from importlib import metadata

import numpy as np

# pyDRTtools imports its Qt GUI at package import: give it an offscreen QApplication first.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5.QtWidgets import QApplication  # noqa: E402

_app = QApplication.instance() or QApplication([])
import contextlib, io  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):
    from pyDRTtools import runs as drt_runs  # noqa: E402
    from cvxopt import solvers  # noqa: E402
solvers.options["show_progress"] = False
import pyimpspec  # noqa: E402

LITHIC, FIXTURES, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The circuit whose R0 R_inf is compared with (EIS.md §5's best circuit per spectrum; L0 in front
# where the spectrum has inductive points).
FILES = {
    "exampleData.csv": "L0-R0-p(R1,CPE1)-p(R2,CPE2)",
    "exampleDataBioLogic.mpt": "L0-R0-p(R1,CPE1)",
    "exampleDataGamry.DTA": "R0-p(R1,CPE1)-p(R2,CPE2)",
    "exampleDataZPlot.z": "R0-p(R1,CPE1)",
    "Circuit1_EIS_1.z": "L0-R0-p(R1,CPE1)",
}
THRESHOLD = 0.01
PROMINENCE = 0.05   # DistributionOfRelaxationTimes.peakProminence
TAU_FACTOR = 1.5    # stated agreement factor for paired peak time constants


def peaks(tau, gamma, prominence=PROMINENCE):
    """Lithic's rule (DistributionOfRelaxationTimes.peaks) on an evenly spaced ln tau grid."""
    g = np.asarray(gamma, float)
    y = np.log(np.asarray(tau, float))
    m = len(g)
    if m < 3 or g.max() <= 0:
        return []
    top = g.max()
    step = (y[-1] - y[0]) / (m - 1)
    out = []
    for j in range(1, m - 1):
        if not (g[j] > g[j - 1] and g[j] >= g[j + 1]):
            continue
        k, lmin = j - 1, g[j]
        while k >= 0 and g[k] <= g[j]:
            lmin = min(lmin, g[k]); k -= 1
        k, rmin = j + 1, g[j]
        while k < m and g[k] <= g[j]:
            rmin = min(rmin, g[k]); k += 1
        if g[j] - max(lmin, rmin) < prominence * top:
            continue
        l, r = j, j
        while l > 0 and g[l - 1] < g[l]:
            l -= 1
        while r < m - 1 and g[r + 1] <= g[r]:
            r += 1
        area = float(np.sum(0.5 * (g[l:r] + g[l + 1:r + 1]) * step))
        den = g[j - 1] - 2 * g[j] + g[j + 1]
        shift = max(-0.5, min(0.5, 0.5 * (g[j - 1] - g[j + 1]) / den)) if den < 0 else 0.0
        out.append({"tau": float(math.exp(y[j] + shift * step)), "resistance": area})
    return out


def run(args):
    return subprocess.run([LITHIC] + args, capture_output=True, text=True)


def lithic_side(path, circuit, work):
    stem = os.path.join(work, os.path.splitext(os.path.basename(path))[0])
    t0 = time.perf_counter()
    kk = run(["kk", path, "-o", work])
    kk_seconds = time.perf_counter() - t0
    if kk.returncode not in (0, 3):
        raise RuntimeError(f"lithic kk {path}: {kk.stderr}")
    kkj = json.load(open(stem + ".kk.json"))
    rows = list(csv.DictReader(open(stem + ".kk.csv")))
    f = np.array([float(r["frequency"]) for r in rows])
    z = np.array([float(r["z_real"]) + 1j * float(r["z_imag"]) for r in rows])
    t0 = time.perf_counter()
    d = run(["drt", path, "-o", work])
    drt_seconds = time.perf_counter() - t0
    if d.returncode != 0:
        raise RuntimeError(f"lithic drt {path}: {d.stderr}")
    drtj = json.load(open(stem + ".drt.json"))
    # The same with the grid one decade beyond the measured range: how much of R_inf leaks away.
    wide = run(["drt", path, "-o", work, "--tau-margin", "1"])
    drtj["series_resistance_margin_1"] = json.load(open(stem + ".drt.json"))["series_resistance"] if wide.returncode == 0 else None
    fit = run(["fit", path, "--circuit", circuit, "-o", work, "--quiet"])
    r0 = None
    if fit.returncode == 0:
        fj = json.load(open(stem + ".fit.json"))
        r0 = next(p["value"] for p in fj["parameters"] if p["name"] == "R0")
    return f, z, kkj, kk_seconds, drtj, drt_seconds, circuit, r0


def pyimpspec_side(f, z):
    data = pyimpspec.DataSet(frequencies=f, impedances=z)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = pyimpspec.perform_kramers_kronig_test(data, num_procs=1)
    seconds = time.perf_counter() - t0
    res = np.concatenate([r.residuals.real, r.residuals.imag])
    return {
        "test": r.test, "admittance": bool(r.admittance), "num_RC": int(r.num_RC), "log_F_ext": float(r.log_F_ext),
        "pseudo_chi_square": float(r.pseudo_chisqr), "max_residual": float(np.max(np.abs(res))),
        "rms_residual": float(np.sqrt(np.mean(res ** 2))),
        "estimated_noise_percent": float(r.get_estimated_percent_noise()),
        "valid": bool(np.max(np.abs(res)) < THRESHOLD), "seconds": seconds,
    }


def pydrttools_side(f, z):
    entry = drt_runs.EIS_object(f, z.real, z.imag)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        drt_runs.simple_run(entry)
    seconds = time.perf_counter() - t0
    tau, gamma = np.asarray(entry.out_tau_vec), np.asarray(entry.gamma)
    return {
        "lambda": float(np.ravel(entry.lambda_value)[0]), "series_resistance": float(entry.R), "inductance": float(entry.L),
        "tau_min": float(tau.min()), "tau_max": float(tau.max()), "peaks": peaks(tau, gamma), "seconds": seconds,
    }


def main():
    results = []
    with tempfile.TemporaryDirectory(prefix="lithic-kkdrt.") as work:
        for name, fit_circuit in FILES.items():
            path = os.path.join(FIXTURES, name)
            f, z, kkj, kk_s, drtj, drt_s, circuit, r0 = lithic_side(path, fit_circuit, work)
            pk = pyimpspec_side(f, z)
            pd = pydrttools_side(f, z)
            lp = [{"tau": p["tau"], "resistance": p["resistance"]} for p in drtj["peaks"]]
            # Compared inside the measured range 1/(2π f_max) … 1/(2π f_min) (Lithic's grid); pyDRTtools'
            # peaks beyond it are listed apart.
            lo, hi = 1 / (2 * math.pi * f.max()), 1 / (2 * math.pi * f.min())
            inside = [p for p in pd["peaks"] if lo <= p["tau"] <= hi]
            pd["peaks_outside_measured_range"] = [p for p in pd["peaks"] if not lo <= p["tau"] <= hi]
            pd["peaks_in_measured_range"] = inside
            ratios = None
            if len(lp) == len(inside):
                ratios = [a["tau"] / b["tau"] for a, b in zip(sorted(lp, key=lambda p: p["tau"]),
                                                              sorted(inside, key=lambda p: p["tau"]))]
            results.append({
                "file": name, "points": len(f), "inductive_points": int(np.sum(z.imag > 0)),
                "lithic_kk": {"valid": kkj["verdict"] == "PASS", "elements": kkj["elements"],
                              "maximum_elements": kkj["maximum_elements"], "mu": kkj["mu"],
                              "pseudo_chi_square": kkj["pseudo_chi_square"], "max_residual": kkj["max_residual"],
                              "rms_residual": kkj["rms_residual"], "diagnosis": kkj.get("diagnosis"), "seconds": kk_s},
                "pyimpspec": pk,
                "lithic_drt": {"lambda": drtj["lambda"], "series_resistance": drtj["series_resistance"],
                               "series_resistance_margin_1": drtj["series_resistance_margin_1"],
                               "inductance": drtj["inductance"], "tau_min": drtj["tau_min"], "tau_max": drtj["tau_max"],
                               "peaks": lp, "rms_relative": drtj["rms_relative"], "seconds": drt_s},
                "pydrttools": pd,
                "tau_ratios": ratios,
                "fit": {"circuit": circuit, "R0": r0},
            })
            print(f"{name}: KK Lithic {'valid' if kkj['verdict'] == 'PASS' else 'invalid'} (M {kkj['elements']}/{kkj['maximum_elements']}), "
                  f"pyimpspec {'valid' if pk['valid'] else 'invalid'} (num_RC {pk['num_RC']}); DRT peaks {len(lp)} vs {len(inside)} "
                  f"(+{len(pd['peaks_outside_measured_range'])} outside), "
                  f"ratios {ratios}", file=sys.stderr)
    reference = {
        "generator": "scripts/peer-kk-drt.py",
        "pyimpspec": metadata.version("pyimpspec"),
        "pydrttools": metadata.version("pydrttools"),
        "threshold": THRESHOLD, "peak_prominence": PROMINENCE, "tau_factor": TAU_FACTOR,
        "spectra": results,
    }
    with open(OUT, "w") as fh:
        json.dump(reference, fh, indent=1)
        fh.write("\n")
    write_section(reference)


def g(v, fmt="{:.3g}"):
    return "—" if v is None else fmt.format(v)


def write_section(ref):
    heading = "## KK and DRT against pyimpspec and pyDRTtools (scripts/peer-kk-drt.py)"
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/drop-bench-section.py"), heading], cwd=ROOT, check=True)
    lines = ["", heading, "",
             f"Measured by scripts/peer-kk-drt.sh on {time.strftime('%Y-%m-%d', time.gmtime())}: pyimpspec {ref['pyimpspec']}, pyDRTtools {ref['pydrttools']}, "
             "each fed the points Lithic read. lin-KK verdict: valid when every relative residual |Δ'|, |Δ''| < 1 % "
             "(pyimpspec's defaults give no verdict; the same threshold is applied to its residuals). "
             "Lithic's M is bounded by M ≤ N − 2 (N points determine at most N + 1 numbers: R₀, C, L and M RC elements).", "",
             "| spectrum | N | Lithic M (bound) | μ | Lithic χ²ps | Lithic max Δ | Lithic | pyimpspec num_RC | pyimpspec χ²ps | pyimpspec max Δ | pyimpspec | same |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    same_kk = 0
    for s in ref["spectra"]:
        lk, pk = s["lithic_kk"], s["pyimpspec"]
        same = lk["valid"] == pk["valid"]
        same_kk += same
        lines.append(f"| {s['file']} | {s['points']} | {lk['elements']} (≤ {lk['maximum_elements']}) | {lk['mu']:.3f} | {lk['pseudo_chi_square']:.2e} | "
                     f"{100 * lk['max_residual']:.2f} % | {'valid' if lk['valid'] else 'invalid'} | {pk['num_RC']} ({pk['test']}{', Y' if pk['admittance'] else ''}) | "
                     f"{pk['pseudo_chi_square']:.2e} | {100 * pk['max_residual']:.2f} % | {'valid' if pk['valid'] else 'invalid'} | {'yes' if same else 'NO'} |")
    lines += ["", f"Same verdict on {same_kk} of {len(ref['spectra'])} spectra.", "",
              "DRT: Lithic (Gaussian RBF, 2nd-order penalty, λ by GCV, τ on the measured range 1/(2πf_max)…1/(2πf_min), "
              "R∞ ≥ 0 and L ≥ 0 as unknowns, L only when there are inductive points) against pyDRTtools `simple_run` defaults "
              "(Gaussian RBF, 1st-order penalty, λ by GCV; its τ grid reaches 0.5 decade beyond 1/f_max…1/f_min). Peaks by one rule on both "
              f"(local maxima with prominence ≥ {100 * ref['peak_prominence']:.0f} % of the largest γ); τ ratio = Lithic / pyDRTtools, paired in τ order; "
              f"stated agreement: within a factor {ref['tau_factor']}. Peaks are compared inside the measured range 1/(2πf_max)…1/(2πf_min); "
              "pyDRTtools' peaks beyond it are shown in brackets (Lithic's grid does not reach there: a peak nobody measured). "
              "R∞ beside the series resistance of a `lithic fit` of the named circuit, and Lithic's R∞ with the grid one decade beyond the "
              "measured range (`--tau-margin 1`): what leaks into peaks nobody measured.", "",
              "| spectrum | Lithic peaks τ (s) | pyDRTtools peaks τ (s) | τ ratios | Lithic R∞ | Lithic R∞, margin 1 | pyDRTtools R∞ | fit R0 (circuit) | Lithic L | pyDRTtools L |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    same_count = 0
    within = 0
    for s in ref["spectra"]:
        ld, pd = s["lithic_drt"], s["pydrttools"]
        lt = ", ".join(f"{p['tau']:.3g}" for p in sorted(ld["peaks"], key=lambda p: p["tau"]))
        pt = ", ".join(f"{p['tau']:.3g}" for p in sorted(pd["peaks_in_measured_range"], key=lambda p: p["tau"]))
        outside = pd["peaks_outside_measured_range"]
        if outside:
            pt += " (beyond the measured range: " + ", ".join(f"{p['tau']:.3g}" for p in outside) + ")"
        ratios = s["tau_ratios"]
        if ratios is not None:
            same_count += 1
            within += all(1 / ref["tau_factor"] <= r <= ref["tau_factor"] for r in ratios)
        rt = "count differs" if ratios is None else ", ".join(f"{r:.2f}" for r in ratios)
        lines.append(f"| {s['file']} | {lt} | {pt} | {rt} | {g(ld['series_resistance'], '{:.4g}')} | {g(ld['series_resistance_margin_1'], '{:.4g}')} | "
                     f"{g(pd['series_resistance'], '{:.4g}')} | "
                     f"{g(s['fit']['R0'], '{:.4g}')} ({s['fit']['circuit']}) | {g(ld['inductance'])} | {g(pd['inductance'])} |")
    lines += ["", f"Same number of peaks (in the measured range) on {same_count} of {len(ref['spectra'])} spectra; all paired τ within {ref['tau_factor']}× on {within} of them.",
              "Times: pyimpspec's KK " + ", ".join(f"{s['pyimpspec']['seconds']:.2f}" for s in ref["spectra"]) + " s; Lithic's `lithic kk` process "
              + ", ".join(f"{s['lithic_kk']['seconds']:.2f}" for s in ref["spectra"]) + " s (the binary the script was given).",
              "Installing the peers: `pip install pyimpspec pydrttools` works from PyPI, but pydrttools 0.2 does not declare three of its imports "
              "(cvxopt, scikit-learn, PyQt5) and its package `__init__` imports its Qt GUI, which sets matplotlib's Qt5Agg backend: "
              "scripts/peer-kk-drt.sh installs the three and the script creates an offscreen QApplication before importing it."]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "a") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
