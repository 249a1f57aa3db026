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

import ctypes
import os
import warnings

import numpy as np

from . import _native
from ._native import LithicError, NetlistError, SimulationError

__all__ = ["Circuit", "RunResult", "Analysis", "NetlistError", "SimulationError", "LithicError", "LithicWarning",
           "Spectrum", "read_spectrum", "read_spectra", "fit", "FitResult", "impedance", "CustomCircuit", "kk", "drt",
           "sweep", "sample", "Distribution", "agauss", "gauss", "aunif", "unif", "lognormal", "fit_batch",
           "library_path", "Crossbar", "CrossbarResult"]

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


def fit(freq, Z, circuit, initial=None, weight="modulus", starts=32, fixed=None, warn=True, bounds=None):
    """Fits an equivalent circuit (impedance.py string `R0-p(R1,CPE1)-Wo1` or Boukamp CDC) to
    (freq [Hz], Z [Ω, complex]) as `lithic fit` does: a multi-start CNLS search that includes
    `initial` (default: guessed from the data). `weight`: unit, modulus (1/|Z|), proportional,
    boukamp (1/|Z|², impedance.py's weight_by_modulus). `fixed`: {name: value} held constant.
    `bounds`: {name: (lower, upper)} replacing an element's default range (±inf allowed)."""
    (f, re, im), fp, rp, ip, n = _native.complex_arrays(freq, Z)
    if initial is None:
        ini, inp, ni = None, None, 0
    else:
        ini, inp = _native.doubles(initial, "initial")
        ni = ini.size
        if ni == 0:
            raise NetlistError("initial is empty")
    names, vals, vp, nf = _native.named_values(fixed, "fixed parameter")
    bounds = dict(bounds or {})
    try:
        lows = {k: float(v[0]) for k, v in bounds.items()}
        highs = {k: float(v[1]) for k, v in bounds.items()}
    except (TypeError, ValueError, IndexError):
        raise NetlistError("bounds must map parameter names to (lower, upper) pairs of numbers") from None
    bn, lv, lp, nb = _native.named_values(lows, "bound")
    _, hv, hp, _ = _native.named_values(highs, "bound")
    e = _native.call(_native.lib.lithic_fit_bounded, _native.encode(circuit, "circuit"), fp, rp, ip, n, inp, ni,
                     _native.encode(weight, "weight"), int(starts), names, vp, nf, bn, lp, hp, nb)
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
        # An empty model (impedance.py's `CustomCircuit()` before `load`) has no parameters yet.
        self._all_names = _circuit_names(self.circuit)[0] if self.circuit else []
        unknown = [c for c in self.constants if c not in self._all_names]
        if unknown:
            raise NetlistError(f"constants {unknown} are not parameters of {self.circuit} ({', '.join(self._all_names)})")
        if len(self.initial_guess) + len(self.constants) != len(self._all_names):
            raise ValueError(f"The number of initial guesses ({len(self.initial_guess)}) + the number of constants "
                             f"({len(self.constants)}) must be equal to the circuit length ({len(self._all_names)})")

    def _full(self, free):
        it = iter(free)
        return [self.constants[n] if n in self.constants else next(it) for n in self._all_names]

    def fit(self, frequencies, impedance, bounds=None, weight_by_modulus=False, starts=32, **kwargs):
        """impedance.py's `fit`: `bounds` = (lower, upper), one value per free parameter in
        `get_param_names()` order (as impedance.py's); `starts` (Lithic's, default 32) is the
        number of starts of the multi-start search, `initial_guess` being the first."""
        if len(np.asarray(frequencies)) != len(np.asarray(impedance)):
            raise TypeError("length of frequencies and impedance do not match")
        if not self.initial_guess:
            raise ValueError("No initial guess supplied")
        free_names = self.get_param_names()[0]
        named_bounds = None
        if bounds is not None:
            try:
                lower, upper = bounds
                lower, upper = list(lower), list(upper)
            except (TypeError, ValueError):
                raise ValueError("bounds must be (lower, upper), each one value per free parameter") from None
            if len(lower) != len(free_names) or len(upper) != len(free_names):
                raise ValueError(f"bounds need {len(free_names)} lower and upper values ({', '.join(free_names)}), "
                                 f"got {len(lower)} and {len(upper)}")
            named_bounds = {n: (lo, hi) for n, lo, hi in zip(free_names, lower, upper)}
        for k in kwargs:
            warnings.warn(f"lithic.CustomCircuit.fit: keyword {k!r} of impedance.py is ignored", LithicWarning, stacklevel=2)
        r = fit(frequencies, impedance, self.circuit, initial=self._full(self.initial_guess),
                weight="boukamp" if weight_by_modulus else "unit", fixed=self.constants, starts=starts, bounds=named_bounds)
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

    def save(self, filepath):
        """Writes the model as impedance.py's `save` does (JSON: Name, Circuit String, Initial
        Guess, Constants, Fit, and Parameters/Confidence when fitted), so either tool loads it."""
        import json
        data = {"Name": self.name, "Circuit String": self.circuit, "Initial Guess": [float(x) for x in self.initial_guess],
                "Constants": {k: float(v) for k, v in self.constants.items()}, "Fit": self._is_fit()}
        if self._is_fit():
            data["Parameters"] = [float(x) for x in self.parameters_]
            data["Confidence"] = [float(x) for x in self.conf_]
        tmp = f"{filepath}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, filepath)

    def load(self, filepath, fitted_as_initial=False):
        """Reads a model written by `save` (this package's or impedance.py's). With
        `fitted_as_initial`, the fitted parameters become the initial guess of a new fit."""
        import json
        with open(filepath) as f:
            data = json.load(f)
        try:
            circuit, initial, constants = data["Circuit String"], data["Initial Guess"], data.get("Constants") or {}
        except (KeyError, TypeError):
            raise NetlistError(f"{filepath}: not a saved circuit model (needs 'Circuit String' and 'Initial Guess')") from None
        self.__init__(circuit, initial_guess=initial, constants=constants, name=data.get("Name"))
        if data.get("Fit"):
            if fitted_as_initial:
                self.initial_guess = [float(x) for x in data["Parameters"]]
            else:
                self.parameters_ = np.array(data["Parameters"], dtype=float)
                self.conf_ = np.array(data["Confidence"], dtype=float)
        return self

    def plot(self, ax=None, f_data=None, Z_data=None, kind="nyquist", **kwargs):
        """Nyquist (equal axes, −Z'' up) or Bode (|Z| and phase) of the data and the model with
        matplotlib (needed for this call only). Returns the axes (Bode: both)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("lithic.CustomCircuit.plot needs matplotlib (pip install matplotlib)") from None
        if kind not in ("nyquist", "bode"):
            raise ValueError(f"kind must be 'nyquist' or 'bode', got {kind!r}")
        f = np.asarray(f_data, dtype=float) if f_data is not None else np.logspace(5, -2, 71)
        Zm = self.predict(f, use_initial=not self._is_fit())
        Zd = np.asarray(Z_data, dtype=complex) if Z_data is not None else None
        if kind == "nyquist":
            if ax is None:
                _, ax = plt.subplots()
            if Zd is not None:
                ax.plot(Zd.real, -Zd.imag, "o", label="data", **kwargs)
            ax.plot(Zm.real, -Zm.imag, "-", label=self.name or self.circuit)
            ax.set_aspect("equal", adjustable="datalim")
            ax.set_xlabel("Z' (Ω)")
            ax.set_ylabel("−Z'' (Ω)")
            ax.legend()
            return ax
        if ax is None:
            _, ax = plt.subplots(2, 1, sharex=True)
        if Zd is not None:
            ax[0].loglog(f, np.abs(Zd), "o", **kwargs)
            ax[1].semilogx(f, np.degrees(np.angle(Zd)), "o", **kwargs)
        ax[0].loglog(f, np.abs(Zm), "-")
        ax[1].semilogx(f, np.degrees(np.angle(Zm)), "-")
        ax[0].set_ylabel("|Z| (Ω)")
        ax[1].set_ylabel("phase (°)")
        ax[1].set_xlabel("f (Hz)")
        return ax

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


class Distribution:
    """A parameter distribution for `sweep(..., samples=N)`, with ngspice's definitions
    (`agauss(nom, avar, sigma)`: normal with standard deviation avar/sigma; `gauss`: the same
    with avar = rvar·nom; `aunif(nom, avar)`: uniform on nom ± avar; `unif`: avar = rvar·nom)
    plus `lognormal(median, sigma)` (ln X normal with standard deviation sigma). `ppf(u)` is the
    inverse CDF, so that Latin-hypercube sampling stratifies u."""

    def __init__(self, kind, a, b, c=1.0):
        if kind not in ("normal", "uniform", "lognormal"):
            raise ValueError(f"unknown distribution {kind!r}")
        self.kind, self.a, self.b, self.c = kind, float(a), float(b), float(c)
        if not all(np.isfinite([self.a, self.b, self.c])) or self.b < 0 or self.c <= 0:
            raise ValueError(f"{kind} distribution: parameters must be finite, spread ≥ 0 and sigma > 0 (got {a}, {b}, {c})")

    def ppf(self, u):
        from statistics import NormalDist
        if self.kind == "uniform":
            return self.a + self.b * (2 * u - 1)
        if self.b == 0:
            return self.a
        z = NormalDist().inv_cdf(min(max(u, 1e-300), 1 - 1e-16))
        if self.kind == "normal":
            return self.a + self.b / self.c * z
        return self.a * float(np.exp(self.b * z))

    def __repr__(self):
        return f"lithic.Distribution({self.kind!r}, {self.a}, {self.b}, {self.c})"


def agauss(nominal, absolute_variation, sigma=1.0):
    return Distribution("normal", nominal, absolute_variation, sigma)


def gauss(nominal, relative_variation, sigma=1.0):
    return Distribution("normal", nominal, abs(relative_variation * nominal), sigma)


def aunif(nominal, absolute_variation):
    return Distribution("uniform", nominal, absolute_variation)


def unif(nominal, relative_variation):
    return Distribution("uniform", nominal, abs(relative_variation * nominal))


def lognormal(median, sigma):
    return Distribution("lognormal", median, sigma)


def sample(params, samples, seed=1, sampling="random"):
    """`samples` parameter sets drawn from `params` ({name: Distribution or fixed number}),
    independently (`sampling="random"`) or by Latin hypercube (`"lhs"`: each parameter's
    [0, 1) split into `samples` strata, one draw per stratum, strata permuted per parameter).
    Reproducible for a given seed (NumPy's PCG64)."""
    n = int(samples)
    if n < 1:
        raise ValueError("samples must be at least 1")
    if sampling not in ("random", "lhs"):
        raise ValueError(f"sampling must be 'random' or 'lhs', got {sampling!r}")
    rng = np.random.default_rng(seed)
    columns = {}
    for name, d in params.items():
        if isinstance(d, Distribution):
            u = rng.random(n)
            if sampling == "lhs":
                u = (rng.permutation(n) + u) / n
            columns[name] = [float(d.ppf(x)) for x in u]
        else:
            columns[name] = [float(d)] * n
    return [{k: v[i] for k, v in columns.items()} for i in range(n)]


def sweep(circuit, params, measures=None, client=None, samples=None, seed=1, sampling="random"):
    """Runs `circuit` once per parameter set and returns one row per point (a pandas DataFrame
    when pandas is installed, else a list of dicts): the parameters, every `.measure` value,
    and `error` (None, or the message of a point that failed; a failing point never loses the
    batch). `params`: a list of {name: value} dicts, or {name: sequence} (zipped, equal
    lengths), or with `samples=N` a Monte Carlo over {name: Distribution or number}
    (`lithic.agauss(1e3, 50)`, …; `seed`, `sampling="random"|"lhs"`, see `lithic.sample`).
    With `client` (a dask.distributed Client), points run as Dask tasks."""
    if samples is not None:
        if not isinstance(params, dict):
            raise ValueError("sweep(samples=…) takes params as {name: Distribution or number}")
        params = sample(params, samples, seed=seed, sampling=sampling)
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


class CrossbarResult:
    """One crossbar operation's result: `.operation`, `.rows`, `.columns`, `.seconds`,
    `.conductances` (rows × columns, S, the cells as built), `.inputs` (V), and the operation's
    arrays as attributes (row-major ones reshaped to rows × columns):
    read — `currents`, `ideal`, `relative_error`, `rms_relative_error`, `cell_voltage_ratio`,
    `cell_voltages`, `cell_currents`, `power`;
    program — `targets`, `verified`, `final`, `pulses`, `converged`, `disturb`, `energy`,
    `latency`, `set_amplitude`, `reset_amplitude`, `final_states`, `errors`, `rms_final_error`,
    `vmm_rms_error`, `vmm_max_error`;
    sneak — `cells`, `true_conductances`, `apparent_conductance`, `cell_current`,
    `column_current`, `sneak_fraction`;
    transient — `time` (s), `currents` (columns × time steps, A), `time_steps`, `newton_iterations`."""

    _matrices = {"conductances", "cell_voltage_ratio", "cell_voltages", "cell_currents", "targets", "verified", "final",
                 "pulses", "converged", "disturb", "energy", "latency", "set_amplitude", "reset_amplitude", "final_states",
                 "errors", "true_conductances"}
    _scalars = {"rows", "columns", "seconds", "rms_relative_error", "power", "rms_final_error", "vmm_rms_error",
                "vmm_max_error", "time_steps", "newton_iterations"}

    def __init__(self, e):
        self.operation = e[("operation",)]
        rows, columns = int(e[("rows",)][0]), int(e[("columns",)][0])
        columns_of_transient = []
        for key, value in e.items():
            if key == ("operation",):
                continue
            if key[0] == "current" and len(key) == 2:
                columns_of_transient.append(value)
                continue
            name = key[0]
            if name in self._scalars:
                v = float(value[0])
                setattr(self, name, int(v) if name in ("rows", "columns", "time_steps", "newton_iterations") else v)
            elif name in self._matrices and value.size == rows * columns:
                setattr(self, name, value.reshape(rows, columns))
            else:
                setattr(self, name, value)
        if columns_of_transient:
            self.currents = np.vstack(columns_of_transient)
        if hasattr(self, "converged"):
            self.converged = self.converged.astype(bool)

    def __repr__(self):
        return f"<lithic.CrossbarResult {self.operation} {self.rows}×{self.columns} in {self.seconds:.3g} s>"


class Crossbar:
    """A memristor (or fixed-conductance) crossbar array, as `lithic crossbar` builds it, run in
    this process. Options are `lithic crossbar`'s, with `_` for `-` (`rwire=2.5`, `model="level=10"`,
    `access="selector"`, `sigma_on=0.1`, `gmin=1e-5`, …; see `lithic crossbar --help`); numbers may
    be given as numbers or SPICE-suffixed strings. `weights` (rows × columns: conductances in S for
    fixed cells, or weights in [0, 1] mapped onto [gmin, gmax]) replaces `--weights FILE`.

        xb = lithic.Crossbar(32, 32, weights=G, rwire=2.5)
        r = xb.read(v)          # r.currents (A) per column, r.ideal = G.T @ v without IR drop
        p = lithic.Crossbar(8, 8, model="level=10", x0=0.6).program(targets)
    """

    def __init__(self, rows=64, columns=64, weights=None, **options):
        self.rows = int(rows)
        self.columns = int(columns)
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.options = dict(options)

    def _run(self, operation, inputs=None, targets=None, **extra):
        opts = dict(self.options)
        opts.update(extra)
        opts.update(rows=self.rows, columns=self.columns, operation=operation)
        names, values = [], []
        for k, v in opts.items():
            if v is None:
                continue
            if isinstance(v, bool):
                raise NetlistError(f"crossbar option {k}: {v!r} is not a value")
            if isinstance(v, (tuple, list)) and k == "cell":
                v = ",".join(str(int(x)) for x in v)
            if isinstance(v, (int, np.integer)):
                v = str(int(v))
            elif not isinstance(v, str):
                try:
                    v = repr(float(v))
                except (TypeError, ValueError):
                    raise NetlistError(f"crossbar option {k}: {v!r} is not a number or text") from None
            names.append(_native.encode(str(k), "option name"))
            values.append(_native.encode(v, f"option {k}"))
        cn = (ctypes.c_char_p * max(len(names), 1))(*names)
        cv = (ctypes.c_char_p * max(len(values), 1))(*values)
        keep = []  # the arrays whose buffers the call reads

        def array(a, name):
            if a is None:
                return None, 0
            arr, ptr = _native.doubles(a, name)
            if arr.size == 0:
                raise NetlistError(f"{name} is empty")
            keep.append(arr)
            return ptr, arr.size

        wp, wn = array(self.weights, "weights")
        tp, tn = array(targets, "targets")
        ip, inn = array(inputs, "inputs")
        e = _native.call(_native.lib.lithic_crossbar, cn, cv, len(names), wp, wn, tp, tn, ip, inn)
        return CrossbarResult(e)

    def read(self, inputs=None):
        """Vector-matrix multiply with IR drop: `inputs` are the row voltages (V; default every
        row at `vread`)."""
        return self._run("read", inputs=inputs)

    def program(self, targets=None, inputs=None):
        """Write-verify programming of memristor cells to `targets` (rows × columns, S; default
        the weights mapped onto [gmin, gmax], else random), then a VMM read at `inputs`."""
        return self._run("program", inputs=inputs, targets=targets)

    def sneak(self, cell=None, unselected=None):
        """Reads every cell (or `cell=(row, column)`) alone with the unselected lines floating,
        grounded or at half bias."""
        return self._run("sneak", cell=cell, unselected=unselected)

    def transient(self, inputs=None, tstop=None, tstep=None):
        """Ramp every row to its input, hold, reverse (memristor cells): column currents over time."""
        return self._run("transient", inputs=inputs, tstop=tstop, tstep=tstep)
