"""ctypes binding of the Lithic C ABI (include/lithic.h, libLithicC.so).

The library is found at $LITHIC_LIBRARY, else beside this package (an installed copy), else in
the repository's build folders (.build-*/{release,debug}/libLithicC.so, newest first).
Results come back as LithicResult handles; `Result` turns one into a dict of NumPy arrays that
view the handle's buffers without copying (the handle is freed when the last array goes).
"""
from __future__ import annotations

import ctypes
import glob
import math
import os
import weakref

import numpy as np

SEP = "\x1f"


class LithicError(Exception):
    """An error reported by the Lithic engine."""

    def __init__(self, message, file="", line=0, column=0, kind=4):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
        where = f"{file}:{line}:{column}: " if file and line else (f"{file}: " if file and file != "<command line>" else "")
        super().__init__(f"{where}{message}")


class NetlistError(LithicError, ValueError):
    """Bad input (netlist, data file, argument): carries .file, .line, .column (1-based)."""


class SimulationError(LithicError, RuntimeError):
    """The numerics failed on valid input (non-convergence, singular matrix, timestep too small)."""


def _candidates():
    env = os.environ.get("LITHIC_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libLithicC.so")
    root = os.path.abspath(os.path.join(here, "..", ".."))
    found = glob.glob(os.path.join(root, ".build*", "release", "libLithicC.so")) + \
        glob.glob(os.path.join(root, ".build*", "debug", "libLithicC.so"))
    for path in sorted(found, key=os.path.getmtime, reverse=True):
        yield path


def _load():
    tried = []
    for path in _candidates():
        if os.path.exists(path):
            return ctypes.CDLL(path), path
        tried.append(path)
    raise ImportError("libLithicC.so not found (build it with scripts/setup-python.sh, or set LITHIC_LIBRARY); tried: "
                      + ", ".join(tried))


lib, library_path = _load()

_P = ctypes.c_void_p
_D = ctypes.POINTER(ctypes.c_double)
_S = ctypes.c_char_p
_I64 = ctypes.c_int64
_I32 = ctypes.c_int32
_PP = ctypes.POINTER(ctypes.c_void_p)
_SS = ctypes.POINTER(ctypes.c_char_p)


def _sig(name, res, *args):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_sig("lithic_abi_version", _I32)
_sig("lithic_run_netlist", _I32, _S, _I32, _S, _SS, _D, _I64, _PP, _PP)
_sig("lithic_read_spectrum", _I32, _S, _PP, _PP)
_sig("lithic_circuit_info", _I32, _S, _PP, _PP)
_sig("lithic_circuit_impedance", _I32, _S, _D, _I64, _D, _I64, _D, _D, _PP)
_sig("lithic_fit", _I32, _S, _D, _D, _D, _I64, _D, _I64, _S, _I32, _SS, _D, _I64, _PP, _PP)
_sig("lithic_fit_bounded", _I32, _S, _D, _D, _D, _I64, _D, _I64, _S, _I32, _SS, _D, _I64, _SS, _D, _D, _I64, _PP, _PP)
_sig("lithic_kk", _I32, _D, _D, _D, _I64, ctypes.c_double, _I64, _I32, _I32, _PP, _PP)
_sig("lithic_drt", _I32, _D, _D, _D, _I64, _S, _S, ctypes.c_double, ctypes.c_double, _S, ctypes.c_double, _I32, _PP, _PP)
_sig("lithic_crossbar", _I32, _SS, _SS, _I64, _D, _I64, _D, _I64, _D, _I64, _PP, _PP)
_sig("lithic_result_count", _I64, _P)
_sig("lithic_result_key", _S, _P, _I64)
_sig("lithic_result_length", _I64, _P, _I64)
_sig("lithic_result_data", _D, _P, _I64)
_sig("lithic_result_text", _S, _P, _I64)
_sig("lithic_result_free", None, _P)
_sig("lithic_error_kind", _I32, _P)
_sig("lithic_error_message", _S, _P)
_sig("lithic_error_file", _S, _P)
_sig("lithic_error_line", _I64, _P)
_sig("lithic_error_column", _I64, _P)
_sig("lithic_error_free", None, _P)

if lib.lithic_abi_version() != 1:
    raise ImportError(f"{library_path}: C ABI version {lib.lithic_abi_version()}, this package expects 1")


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else ""


def raise_error(status, handle):
    """Turns a status and a LithicError handle into a Python exception (and frees the handle)."""
    if not handle:
        raise LithicError(f"Lithic call failed with status {status}", kind=status)
    try:
        kind = lib.lithic_error_kind(handle)
        msg = _text(lib.lithic_error_message(handle))
        file = _text(lib.lithic_error_file(handle))
        line = int(lib.lithic_error_line(handle))
        col = int(lib.lithic_error_column(handle))
    finally:
        lib.lithic_error_free(handle)
    cls = {1: NetlistError, 2: SimulationError, 3: NetlistError}.get(kind, LithicError)
    raise cls(msg, file, line, col, kind)


class _Owner:
    """Keeps a LithicResult handle alive while any array views its buffers."""

    def __init__(self, handle):
        self.handle = handle
        self._finalizer = weakref.finalize(self, lib.lithic_result_free, handle)


def call(fn, *args):
    """Calls an entry point that produces a LithicResult; returns an ordered dict key → value
    (tuple keys; values are read-only float64 arrays viewing the handle, or str)."""
    out = ctypes.c_void_p()
    err = ctypes.c_void_p()
    status = fn(*args, ctypes.byref(out), ctypes.byref(err))
    if status != 0:
        raise_error(status, err.value)
    owner = _Owner(out.value)
    h = out.value
    entries = {}
    for i in range(lib.lithic_result_count(h)):
        key = tuple(_text(lib.lithic_result_key(h, i)).split(SEP))
        n = lib.lithic_result_length(h, i)
        if n < 0:
            entries[key] = _text(lib.lithic_result_text(h, i))
            continue
        if n == 0:
            entries[key] = np.empty(0)
            continue
        ptr = lib.lithic_result_data(h, i)
        buf = (ctypes.c_double * n).from_address(ctypes.addressof(ptr.contents))
        arr = np.frombuffer(buf, dtype=np.float64)
        # The ctypes array holds the owner, so the handle lives as long as the NumPy view.
        buf._lithic_owner = owner
        arr.flags.writeable = False
        entries[key] = arr
    return entries


def call_noresult(fn, *args):
    err = ctypes.c_void_p()
    status = fn(*args, ctypes.byref(err))
    if status != 0:
        raise_error(status, err.value)


def doubles(values, name, length=None):
    """A contiguous float64 array and a pointer to it (the array must be kept alive by the caller)."""
    try:
        a = np.ascontiguousarray(np.asarray(values, dtype=np.float64).ravel())
    except (TypeError, ValueError) as e:
        raise NetlistError(f"{name}: not an array of numbers ({e})") from None
    if length is not None and a.size != length:
        raise NetlistError(f"{name} has {a.size} values, expected {length}")
    return a, a.ctypes.data_as(_D)


def complex_arrays(freq, Z):
    f, fp = doubles(freq, "frequencies")
    try:
        z = np.asarray(Z, dtype=np.complex128).ravel()
    except (TypeError, ValueError) as e:
        raise NetlistError(f"impedances: not an array of complex numbers ({e})") from None
    if z.size != f.size:
        raise NetlistError(f"frequencies ({f.size}) and impedances ({z.size}) differ in length")
    re, rp = doubles(z.real, "impedances")
    im, ip = doubles(z.imag, "impedances")
    return (f, re, im), fp, rp, ip, f.size


def encode(s, name):
    if not isinstance(s, str):
        raise TypeError(f"{name} must be a str, got {type(s).__name__}")
    if "\x00" in s:
        raise NetlistError(f"{name} contains a NUL character")
    return s.encode("utf-8")


def named_values(d, name):
    d = dict(d or {})
    names = (ctypes.c_char_p * max(len(d), 1))(*[encode(str(k), name) for k in d])
    vals, vp = doubles([float(v) for v in d.values()] or [0.0], name)
    return names, vals, vp, len(d)


NAN = math.nan
