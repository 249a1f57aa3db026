"""Lithic in-process: netlist runs, spectrum readers, CNLS fitting, Kramers-Kronig and DRT on the
same Swift engine as the `lithic` command (loaded from libLithicC.so with ctypes).

    import lithic
    r = lithic.Circuit.from_file("examples/rc-ladder/ladder.cir").run()
    r.tran["v(out)"]          # NumPy array (SI units: V, A, s, Hz)
    r.measures                # {"name": value or None}

All quantities are SI. Input errors raise `lithic.NetlistError` with `.file`, `.line`, `.column`;
warnings of the engine are issued as `lithic.LithicWarning` through `warnings.warn`.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from . import _native
from ._native import LithicError, NetlistError, SimulationError

__all__ = ["Circuit", "RunResult", "Analysis", "NetlistError", "SimulationError", "LithicError", "LithicWarning",
           "Spectrum", "read_spectrum", "read_spectra", "fit", "FitResult", "impedance", "CustomCircuit", "kk", "drt",
           "sweep", "library_path"]

library_path = _native.library_path

try:  # optional
    import pandas as _pd
except ImportError:  # pragma: no cover
    _pd = None


class LithicWarning(UserWarning):
    """A warning of the Lithic engine (something accepted but not modelled, a .save that matched nothing, …)."""


def _warn_all(messages, stacklevel=3):
    for m in messages:
        warnings.warn(m, LithicWarning, stacklevel=stacklevel)


class Analysis:
    """One analysis' output vectors (the scale first, as `lithic run` writes them), each a
    read-only float64 NumPy array (complex128 for AC vectors) viewing the engine's buffer.
    `a["v(out)"]`, `a.names`, `a.scale`, `a.to_dataframe()` (pandas, when installed)."""

    def __init__(self, kind, name, vectors, complete):
        self.kind = kind
        self.name = name
        self._vectors = vectors
        self.complete = complete

    @property
    def names(self):
        return list(self._vectors)

    @property
    def scale(self):
        return next(iter(self._vectors.values()))

    def __getitem__(self, name):
        try:
            return self._vectors[name]
        except KeyError:
            low = name.lower()
            if low in self._vectors:
                return self._vectors[low]
            raise KeyError(f"{name!r}: no such vector in the {self.kind} analysis; vectors: {', '.join(self._vectors)}") from None

    def __contains__(self, name):
        return name in self._vectors or name.lower() in self._vectors

    def __iter__(self):
        return iter(self._vectors)

    def __len__(self):
        return len(self.scale) if self._vectors else 0

    def items(self):
        return self._vectors.items()

    def to_dataframe(self):
        if _pd is None:
            raise ImportError("pandas is not installed")
        return _pd.DataFrame({k: v for k, v in self._vectors.items()})

    @property
    def df(self):
        return self.to_dataframe()

    def __repr__(self):
        return f"<lithic.Analysis {self.kind}: {len(self)} points, vectors {', '.join(self._vectors)}>"

    def _repr_html_(self):
        if _pd is not None:
            return f"<b>{self.name}</b> ({self.kind})" + self.to_dataframe().head(20)._repr_html_()
        return None


class RunResult:
    """What `lithic run` produces: analyses in order (`.analyses`), the first of each kind as an
    attribute (`.tran`, `.ac`, `.dc`, `.op`, `.noise`, …; `r["tran", 2]` for the second),
    `.measures` (name → value, None when the measurement failed), `.measure_messages`,
    `.warnings`, `.eis` (FFT-EIS spectra: frequency, complex Z), `.failure` (message, or None)."""

    def __init__(self, entries):
        self.title = entries.get(("title",), "")
        plots = {}
        for key, value in entries.items():
            if key[0] == "plot":
                p = plots.setdefault(int(key[1]), {"vectors": {}})
                if key[2] == "vec":
                    name, part = key[3], key[4]
                    if part == "re":
                        p["vectors"][name] = value
                    else:
                        p["vectors"][name] = p["vectors"][name] + 1j * value
                elif key[2] == "complete":
                    p["complete"] = bool(value[0])
                else:
                    p[key[2]] = value
        self.analyses = [Analysis(p.get("kind", ""), p.get("name", ""), p["vectors"], p.get("complete", True))
                         for _, p in sorted(plots.items())]
        self.measures = {k[1]: (float(v[0]) if len(v) else None) for k, v in entries.items() if k[0] == "measure"}
        self.measure_messages = {k[1]: v for k, v in entries.items() if k[0] == "measure_message"}
        self.warnings = [v for k, v in entries.items() if k[0] == "warning"]
        eis = {}
        for key, value in entries.items():
            if key[0] == "eis":
                eis.setdefault(int(key[1]), {})[key[2]] = value
        self.eis = [Spectrum(e["frequency"], e["z_real"] + 1j * e["z_imag"], source="<.eis>") for _, e in sorted(eis.items())]
        self.failure = entries.get(("failure",))

    def __getitem__(self, key):
        kind, n = (key, 1) if isinstance(key, str) else key
        found = [a for a in self.analyses if a.kind == kind]
        if len(found) < n:
            raise KeyError(f"no {kind} analysis #{n}; analyses: {', '.join(a.kind for a in self.analyses)}")
        return found[n - 1]

    def __getattr__(self, kind):
        if kind.startswith("_"):
            raise AttributeError(kind)
        try:
            return self[kind]
        except KeyError as e:
            raise AttributeError(str(e)) from None

    def __repr__(self):
        return f"<lithic.RunResult {self.title!r}: {', '.join(a.kind for a in self.analyses)}; measures {self.measures}>"

    def _repr_html_(self):
        parts = [f"<h4>{self.title}</h4>"]
        if self.measures:
            parts.append("<table>" + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in self.measures.items()) + "</table>")
        for a in self.analyses:
            h = a._repr_html_()
            parts.append(h if h else repr(a))
        return "".join(parts)


class Circuit:
    """A netlist (ngspice dialect) to run in-process. Holds the text, not engine state, so it
    pickles (Dask ships it to workers) and each `.run()` parses and elaborates afresh."""

    def __init__(self, text=None, path=None, name=None, params=None):
        self.text = text
        self.path = path
        self.name = name or path or "<netlist>"
        self.params = dict(params or {})

    @classmethod
    def from_file(cls, path, params=None):
        """A netlist file (includes and OSDI paths resolve relative to it)."""
        return cls(path=os.fspath(path), params=params)

    @classmethod
    def from_string(cls, text, params=None, name="<netlist>"):
        """Netlist text; `params` replaces top-level `.param` values (as `lithic run --param`)."""
        return cls(text=text, name=name, params=params)

    def with_params(self, **params):
        return Circuit(self.text, self.path, self.name, {**self.params, **params})

    def run(self, params=None, warn=True):
        """Parses, elaborates and simulates; returns a RunResult. Engine warnings are issued as
        LithicWarning; a simulation failure raises SimulationError unless it happened after some
        analyses finished, in which case those are kept and `.failure` says what stopped."""
        p = {**self.params, **(params or {})}
        names, vals, vp, n = _native.named_values(p, "parameter")
        if self.path is not None:
            src, is_path = _native.encode(self.path, "path"), 1
        else:
            if self.text is None:
                raise NetlistError("the circuit has neither text nor a path")
            src, is_path = _native.encode(self.text, "netlist text"), 0
        entries = _native.call(_native.lib.lithic_run_netlist, src, is_path, _native.encode(self.name, "name"), names, vp, n)
        result = RunResult(entries)
        if warn:
            _warn_all(result.warnings)
        if result.failure is not None:
            if not result.analyses:
                raise SimulationError(result.failure)
            warnings.warn(f"simulation stopped: {result.failure}", LithicWarning, stacklevel=2)
        return result

    def __repr__(self):
        return f"<lithic.Circuit {self.name}{' ' + str(self.params) if self.params else ''}>"


class Spectrum:
    """A measured impedance spectrum: `.frequency` (Hz), `.Z` (complex, Ω), `.source`,
    `.format`, `.label`, `.lines` (file line or record of each point), `.notes`."""

    def __init__(self, frequency, Z, source="", format="", label="", lines=None, notes=()):
        self.frequency = frequency
        self.Z = Z
        self.source = source
        self.format = format
        self.label = label
        self.lines = lines if lines is not None else np.empty(0)
        self.notes = list(notes)

    def __len__(self):
        return len(self.frequency)

    def __iter__(self):  # f, Z = lithic.read_spectrum(path)
        return iter((self.frequency, self.Z))

    def to_dataframe(self):
        if _pd is None:
            raise ImportError("pandas is not installed")
        return _pd.DataFrame({"frequency": self.frequency, "z_real": self.Z.real, "z_imag": self.Z.imag})

    def __repr__(self):
        return f"<lithic.Spectrum {self.source} ({self.format}): {len(self)} points>"


def read_spectra(path):
    """Every spectrum of a measurement file (any layout `lithic read --list-formats` lists;
    `FILE#N` selects the N-th)."""
    e = _native.call(_native.lib.lithic_read_spectrum, _native.encode(os.fspath(path), "path"))
    fmt = e.get(("format",), "")
    out = []
    k = 0
    while ("spectrum", str(k), "frequency") in e:
        g = lambda f: e[("spectrum", str(k), f)]
        notes = [v for key, v in e.items() if key[:2] == ("spectrum", str(k)) and key[2] == "note"]
        out.append(Spectrum(g("frequency"), g("z_real") + 1j * g("z_imag"), source=os.fspath(path), format=fmt,
                            label=g("label"), lines=g("lines").astype(int), notes=notes))
        k += 1
    return out


def read_spectrum(path, index=1):
    """The `index`-th (1-based) spectrum of a file; `f, Z = lithic.read_spectrum(path)` works."""
    spectra = read_spectra(path)
    if not 1 <= index <= len(spectra):
        raise NetlistError(f"{path} holds {len(spectra)} spectra, asked for #{index}", file=os.fspath(path))
    return spectra[index - 1]


def _circuit_names(circuit):
    e = _native.call(_native.lib.lithic_circuit_info, _native.encode(circuit, "circuit"))
    return [v for k, v in e.items() if k[0] == "name"], e[("circuit",)]


def impedance(circuit, parameters, frequencies):
    """Z(f) (complex128, Ω) of an equivalent circuit string at frequencies in Hz, parameters in
    the circuit's order (impedance.py's)."""
    p, pp = _native.doubles(parameters, "parameters")
    f, fp = _native.doubles(frequencies, "frequencies")
    re = np.empty(f.size)
    im = np.empty(f.size)
    _native.call_noresult(_native.lib.lithic_circuit_impedance, _native.encode(circuit, "circuit"), pp, p.size, fp, f.size,
                          re.ctypes.data_as(_native._D), im.ctypes.data_as(_native._D))
    return re + 1j * im


class FitResult:
    """A CNLS fit: `.names`, `.values`, `.stderr`, `.ci95` (p×2), `.correlation`, `.covariance`
    (p×p), `.fixed`, `.chi2`, `.reduced_chi2`, `.rms_relative`, `.aic`, `.bic`, `.converged`,
    `.fitted` (complex Z at the data's frequencies), `.warnings`; `.parameters` as a dict."""

    def __init__(self, e):
        self.circuit = e[("circuit",)]
        self.weighting = e[("weighting",)]
        self.names = [v for k, v in e.items() if k[0] == "name"]
        p = len(self.names)
        self.values = e[("values",)]
        self.stderr = e[("stderr",)]
        self.ci95 = np.column_stack([e[("ci_low",)], e[("ci_high",)]])
        self.fixed = e[("fixed",)].astype(bool)
        self.correlation = e[("correlation",)].reshape(p, p)
        self.covariance = e[("covariance",)].reshape(p, p)
        for name in ("chi2", "reduced_chi2", "rms_relative", "aic", "bic", "seconds"):
            setattr(self, name, float(e[(name,)][0]))
        self.evaluations = int(e[("evaluations",)][0])
        self.converged = bool(e[("converged",)][0])
        self.fitted = e[("fitted_real",)] + 1j * e[("fitted_imag",)]
        self.warnings = [v for k, v in e.items() if k[0] == "warning"]

    @property
    def parameters(self):
        return dict(zip(self.names, (float(v) for v in self.values)))

    def to_dataframe(self):
        if _pd is None:
            raise ImportError("pandas is not installed")
        return _pd.DataFrame({"value": self.values, "stderr": self.stderr, "ci_low": self.ci95[:, 0], "ci_high": self.ci95[:, 1],
                              "fixed": self.fixed}, index=self.names)

    def __repr__(self):
        body = ", ".join(f"{n}={v:.4g}±{s:.2g}" for n, v, s in zip(self.names, self.values, self.stderr))
        return f"<lithic.FitResult {self.circuit} ({self.weighting}): {body}; χ²={self.chi2:.4g}>"

    def _repr_html_(self):
        return f"<b>{self.circuit}</b> χ²={self.chi2:.4g}" + (self.to_dataframe()._repr_html_() if _pd is not None else "")


def fit(freq, Z, circuit, initial=None, weight="modulus", starts=32, fixed=None, warn=True):
    """Fits an equivalent circuit (impedance.py string `R0-p(R1,CPE1)-Wo1` or Boukamp CDC) to
    (freq [Hz], Z [Ω, complex]) as `lithic fit` does: a multi-start CNLS search that includes
    `initial` (default: guessed from the data). `weight`: unit, modulus (1/|Z|), proportional,
    boukamp (1/|Z|², impedance.py's weight_by_modulus). `fixed`: {name: value} held constant."""
    (f, re, im), fp, rp, ip, n = _native.complex_arrays(freq, Z)
    if initial is None:
        ini, inp, ni = None, None, 0
    else:
        ini, inp = _native.doubles(initial, "initial")
        ni = ini.size
        if ni == 0:
            raise NetlistError("initial is empty")
    names, vals, vp, nf = _native.named_values(fixed, "fixed parameter")
    e = _native.call(_native.lib.lithic_fit, _native.encode(circuit, "circuit"), fp, rp, ip, n, inp, ni,
                     _native.encode(weight, "weight"), int(starts), names, vp, nf)
    r = FitResult(e)
    if warn:
        _warn_all(r.warnings)
    return r


class CustomCircuit:
    """Drop-in for impedance.py's `CustomCircuit`: same constructor (`circuit`, `initial_guess`,
    `constants`, `name`), `.fit(frequencies, impedance, bounds=None, weight_by_modulus=False)`,
    `.predict(frequencies, use_initial=False)`, `.parameters_`, `.conf_` (one standard error per
    free parameter, as impedance.py), `.get_param_names()`. The fit is Lithic's multi-start CNLS
    (which includes `initial_guess` as one start), with impedance.py's unit weights (or
    1/|Z|² for weight_by_modulus=True). Also `.result_` (the full lithic.FitResult)."""

    def __init__(self, circuit="", initial_guess=(), constants=None, name=None):
        self.circuit = circuit.replace(" ", "")
        self.initial_guess = [x for x in initial_guess if x is not None]
        for i in self.initial_guess:
            if not isinstance(i, (float, int, np.integer, np.floating)):
                raise TypeError(f"value {i} in initial_guess is not a number")
        self.constants = dict(constants or {})
        self.name = name
        self.parameters_ = None
        self.conf_ = None
        self.result_ = None
        self._all_names, _ = _circuit_names(self.circuit)
        unknown = [c for c in self.constants if c not in self._all_names]
        if unknown:
            raise NetlistError(f"constants {unknown} are not parameters of {self.circuit} ({', '.join(self._all_names)})")
        if len(self.initial_guess) + len(self.constants) != len(self._all_names):
            raise ValueError(f"The number of initial guesses ({len(self.initial_guess)}) + the number of constants "
                             f"({len(self.constants)}) must be equal to the circuit length ({len(self._all_names)})")

    def _full(self, free):
        it = iter(free)
        return [self.constants[n] if n in self.constants else next(it) for n in self._all_names]

    def fit(self, frequencies, impedance, bounds=None, weight_by_modulus=False, **kwargs):
        if len(np.asarray(frequencies)) != len(np.asarray(impedance)):
            raise TypeError("length of frequencies and impedance do not match")
        if not self.initial_guess:
            raise ValueError("No initial guess supplied")
        if bounds is not None:
            warnings.warn("lithic.CustomCircuit: bounds are not passed on (Lithic keeps each element's physical range)",
                          LithicWarning, stacklevel=2)
        for k in kwargs:
            warnings.warn(f"lithic.CustomCircuit.fit: keyword {k!r} of impedance.py is ignored", LithicWarning, stacklevel=2)
        r = fit(frequencies, impedance, self.circuit, initial=self._full(self.initial_guess),
                weight="boukamp" if weight_by_modulus else "unit", fixed=self.constants)
        free = ~r.fixed
        self.result_ = r
        self.parameters_ = np.array(r.values[free])
        self.conf_ = np.array(r.stderr[free])
        return self

    def _is_fit(self):
        return self.parameters_ is not None

    def predict(self, frequencies, use_initial=False):
        if self._is_fit() and not use_initial:
            p = self._full(self.parameters_)
        else:
            warnings.warn("Simulating circuit based on initial parameters")
            p = self._full(self.initial_guess)
        return impedance(self.circuit, p, frequencies)

    def get_param_names(self):
        names = [n for n in self._all_names if n not in self.constants]
        return names, [_unit(n) for n in names]

    def __str__(self):
        s = "\n" + (f"Name: {self.name}\n" if self.name else "") + f"Circuit string: {self.circuit}\nFit: {self._is_fit()}\n"
        names, units = self.get_param_names()
        s += "\nInitial guesses:\n" + "".join(f"  {n:>5} = {p:.2e} [{u}]\n" for n, u, p in zip(names, units, self.initial_guess))
        if self._is_fit():
            s += "\nFit parameters:\n" + "".join(f"  {n:>5} = {p:.2e}  (+/- {c:.2e}) [{u}]\n"
                                                 for n, u, p, c in zip(names, units, self.parameters_, self.conf_))
        return s


_UNITS = {"R": ["Ohm"], "C": ["F"], "L": ["H"], "W": ["Ohm^-1 sec^1/2"], "Wo": ["Ohm", "sec"], "Ws": ["Ohm", "sec"],
          "CPE": ["Ohm^-1 sec^a", ""], "La": ["H sec", ""], "G": ["Ohm", "sec"], "Gs": ["Ohm", "sec", ""],
          "TLMQ": ["Ohm", "Ohm", ""], "K": ["Ohm", "sec"], "Zarc": ["Ohm", "sec", ""]}


def _unit(name):
    base, _, idx = name.partition("_")
    prefix = base.rstrip("0123456789")
    units = _UNITS.get(prefix)
    if not units:
        return ""
    k = int(idx) if idx.isdigit() else 0
    return units[k] if k < len(units) else ""


class KKResult(dict):
    """lin-KK (Schönleber 2014) result as a dict of arrays/scalars; `.passes(threshold)`."""

    def passes(self, threshold=0.01):
        return self["max_residual"] < threshold

    __getattr__ = dict.__getitem__


def kk(freq, Z, cutoff=0.85, max_elements=None, capacitance=True, inductance=True):
    """Kramers-Kronig check (lin-KK, μ cut-off search), as `lithic kk`: returns elements M, mu,
    pseudo_chi2, max_residual and rms_residual (relative to |Z|), residual_real/imag arrays,
    fitted (complex), tau, resistances, series_resistance, capacitance, inductance."""
    (f, re, im), fp, rp, ip, n = _native.complex_arrays(freq, Z)
    e = _native.call(_native.lib.lithic_kk, fp, rp, ip, n, float(cutoff), int(max_elements or 0), int(bool(capacitance)),
                     int(bool(inductance)))
    return KKResult(_flatten(e, complex_pairs=["fitted"]))


def drt(freq, Z, basis="gaussian", selection="gcv", lam=None, points_per_decade=10, inductance="auto", tau_margin=0,
        derivative=2):
    """Distribution of relaxation times (Tikhonov; λ by GCV or L-curve, or fixed `lam`), as
    `lithic drt`: tau (s), gamma (Ω), series_resistance, inductance, lambda, rms_relative,
    fitted (complex), peaks (tau, frequency, resistance, height arrays)."""
    (f, re, im), fp, rp, ip, n = _native.complex_arrays(freq, Z)
    e = _native.call(_native.lib.lithic_drt, fp, rp, ip, n, _native.encode(basis, "basis"), _native.encode(selection, "selection"),
                     float("nan") if lam is None else float(lam), float(points_per_decade), _native.encode(inductance, "inductance"),
                     float(tau_margin), int(derivative))
    return KKResult(_flatten(e, complex_pairs=["fitted"]))


def _flatten(e, complex_pairs=()):
    d = {}
    for k, v in e.items():
        key = "\x1f".join(k)
        d[key] = v
    for name in complex_pairs:
        if f"{name}_real" in d:
            d[name] = d.pop(f"{name}_real") + 1j * d.pop(f"{name}_imag")
    for name in ("elements", "mu", "pseudo_chi2", "max_residual", "rms_residual", "series_resistance", "capacitance",
                 "inductance", "lambda", "rms_relative", "inductance_included"):
        if name in d and isinstance(d[name], np.ndarray) and d[name].size == 1:
            d[name] = float(d[name][0])
    if "elements" in d:
        d["elements"] = int(d["elements"])
    return d


def sweep(circuit, params, measures=None, client=None):
    """Runs `circuit` once per parameter set and returns one row per point (a pandas DataFrame
    when pandas is installed, else a list of dicts): the parameters, every `.measure` value,
    and `error` (None, or the message of a point that failed; a failing point never loses the
    batch). `params`: a list of {name: value} dicts, or {name: sequence} (zipped, equal
    lengths). With `client` (a dask.distributed Client), points run as Dask tasks."""
    points = _points(params)
    if client is not None:
        from .distributed import sweep as dsweep
        return dsweep(circuit, points, client=client, measures=measures)
    rows = [run_point(circuit, p, measures) for p in points]
    return _table(rows)


def _points(params):
    if isinstance(params, dict):
        lengths = {len(v) for v in params.values()}
        if len(lengths) > 1:
            raise ValueError(f"sweep: parameter sequences differ in length: { {k: len(v) for k, v in params.items()} }")
        n = lengths.pop() if lengths else 0
        return [{k: float(v[i]) for k, v in params.items()} for i in range(n)]
    return [dict(p) for p in params]


def run_point(circuit, point, measures=None):
    """One sweep point: a row dict (parameters, measures, error). Used in-process and on Dask workers."""
    row = dict(point)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LithicWarning)
            r = circuit.run(params=point)
        ms = r.measures if measures is None else {m: r.measures.get(m) for m in measures}
        row.update(ms)
        row["error"] = r.failure
    except LithicError as e:
        row["error"] = str(e)
    return row


def _table(rows):
    if _pd is not None:
        return _pd.DataFrame(rows)
    return rows


def fit_batch(files, circuit, client=None, **options):
    """Fits many spectrum files, one row each (see lithic.distributed.fit_batch); with `client`
    (dask.distributed) one task per file."""
    from .distributed import fit_batch as fb
    return fb(files, circuit, client=client, **options)
