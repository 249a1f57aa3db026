"""Readers against `lithic read --points`, fits against impedance.py on its tutorial data,
the CustomCircuit drop-in, KK/DRT against the commands, and bad input as exceptions."""
import json
import os
import re
import warnings

import numpy as np
import pytest

import lithic

EIS = ["exampleData.csv", "exampleDataBioLogic.mpt", "exampleDataGamry.DTA", "exampleDataZPlot.z", "Circuit1_EIS_1.z"]
TUTORIAL_CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
TUTORIAL_GUESS = [.01, .01, 100, .01, .05, 100, 1]


@pytest.mark.parametrize("name", EIS)
def test_read_spectrum_matches_cli(cli, fixtures, name):
    path = os.path.join(fixtures, "eis", name)
    spectra = lithic.read_spectra(path)
    out = cli("read", "--points", path).stdout
    counts = [int(m) for m in re.findall(r"#\d+(?: \([^)]*\))?: (\d+) points", out)]
    assert counts == [len(s) for s in spectra]
    rows = np.array([[float(x) for x in m] for m in re.findall(r"^\s+(\S+) Hz\s+(\S+)\s+(\S+)\s+\(line", out, re.M)])
    f = np.concatenate([s.frequency for s in spectra])
    z = np.concatenate([s.Z for s in spectra])
    # The command prints %.6e: 7 significant digits.
    np.testing.assert_allclose(f, rows[:, 0], rtol=6e-7)
    np.testing.assert_allclose(z.real, rows[:, 1], rtol=6e-7, atol=1e-300)
    np.testing.assert_allclose(z.imag, rows[:, 2], rtol=6e-7, atol=1e-300)
    assert spectra[0].format in out.splitlines()[0]


def _tutorial_data(fixtures):
    from impedance import preprocessing
    f, Z = preprocessing.readCSV(os.path.join(fixtures, "eis", "exampleData.csv"))
    return preprocessing.ignoreBelowX(f, Z)


def _unit_chi2(Z, Zfit):
    return float(np.sum((Z.real - Zfit.real) ** 2 + (Z.imag - Zfit.imag) ** 2))


def test_fit_not_worse_than_impedance_py(fixtures):
    imp = pytest.importorskip("impedance.models.circuits")
    f, Z = _tutorial_data(fixtures)
    peer = imp.CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=TUTORIAL_GUESS)
    peer.fit(f, Z)
    peer_chi2 = _unit_chi2(Z, peer.predict(f))
    mine = lithic.fit(f, Z, TUTORIAL_CIRCUIT, initial=TUTORIAL_GUESS, weight="unit")
    assert mine.chi2 == pytest.approx(_unit_chi2(Z, mine.fitted), rel=1e-9)
    assert mine.chi2 <= peer_chi2 * (1 + 1e-9), (mine.chi2, peer_chi2)
    assert mine.names == peer.get_param_names()[0]
    # Lithic's multi-start search (which includes the tutorial's guess) may end in a lower
    # minimum than impedance.py's single local fit: the residual is the comparison, not the values.
    assert mine.correlation.shape == (7, 7) and np.allclose(np.diag(mine.correlation), 1)
    assert np.all(mine.ci95[:, 0] <= mine.values) and np.all(mine.values <= mine.ci95[:, 1])
    # The engine's model at the fitted values is impedance.py's model at them.
    np.testing.assert_allclose(lithic.impedance(TUTORIAL_CIRCUIT, mine.values, f),
                               imp.CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=list(mine.values)).predict(f, use_initial=True),
                               rtol=1e-12)


def test_fit_matches_cli(cli, fixtures, tmp_path):
    path = os.path.join(fixtures, "eis", "exampleData.csv")
    s = lithic.read_spectrum(path)
    mine = lithic.fit(s.frequency, s.Z, TUTORIAL_CIRCUIT, initial=TUTORIAL_GUESS, weight="modulus")
    cli("fit", path, "--circuit", TUTORIAL_CIRCUIT, "--initial", ",".join(map(str, TUTORIAL_GUESS)), "-o", str(tmp_path), "--quiet")
    with open(tmp_path / "exampleData.fit.json") as fh:
        ref = json.load(fh)
    text = json.dumps(ref)
    for name, value in zip(mine.names, mine.values):
        assert repr(float(value)) in text or str(value) in text or any(
            abs(v - value) <= 1e-12 * abs(value) for v in _numbers(ref)), name


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield float(obj)


def test_custom_circuit_drop_in(fixtures):
    imp = pytest.importorskip("impedance.models.circuits")
    f, Z = _tutorial_data(fixtures)
    # impedance.py's tutorial, with one import changed.
    from lithic import CustomCircuit
    circuit = CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=TUTORIAL_GUESS)
    circuit.fit(f, Z)
    Z_fit = circuit.predict(f)
    peer = imp.CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=TUTORIAL_GUESS).fit(f, Z)
    assert circuit.parameters_.shape == peer.parameters_.shape
    assert circuit.conf_.shape == peer.conf_.shape
    assert circuit.get_param_names() == peer.get_param_names()
    assert Z_fit.dtype == np.complex128 and Z_fit.shape == f.shape
    assert _unit_chi2(Z, Z_fit) <= _unit_chi2(Z, peer.predict(f)) * (1 + 1e-9)
    assert np.all(np.isfinite(circuit.conf_))
    assert "Fit parameters" in str(circuit)
    # Constants, as impedance.py: held and left out of parameters_.
    c2 = CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=TUTORIAL_GUESS[1:], constants={"R0": circuit.parameters_[0]}).fit(f, Z)
    assert c2.parameters_.shape == (6,)
    assert _unit_chi2(Z, c2.predict(f)) <= _unit_chi2(Z, Z_fit) * (1 + 1e-6)
    with pytest.raises(ValueError):
        CustomCircuit(TUTORIAL_CIRCUIT, initial_guess=[1, 2])


def test_kk_drt_match_cli(cli, fixtures, tmp_path):
    path = os.path.join(fixtures, "eis", "exampleData.csv")
    s = lithic.read_spectrum(path)
    k = lithic.kk(s.frequency, s.Z)
    cli("kk", path, "-o", str(tmp_path))
    ref = json.load(open(tmp_path / "exampleData.kk.json"))
    assert k["mu"] == ref["mu"] and k["max_residual"] == ref["max_residual"]
    assert k.passes(ref["threshold"]) == (ref["verdict"] == "PASS")
    d = lithic.drt(s.frequency, s.Z)
    cli("drt", path, "-o", str(tmp_path))
    dref = json.load(open(tmp_path / "exampleData.drt.json"))
    lam = dref.get("lambda")
    assert lam is not None and d["lambda"] == pytest.approx(lam, rel=1e-12)
    assert np.all(d["gamma"] >= 0) and d["tau"].shape == d["gamma"].shape


def test_bad_input_raises_not_crashes():
    f = np.logspace(0, 4, 20)
    Z = 10 + 1 / (1j * 2 * np.pi * f * 1e-4)
    with pytest.raises(lithic.NetlistError):
        lithic.fit(f, Z, "R0-p(R1,Xyz9)")
    with pytest.raises(lithic.NetlistError):
        lithic.fit(f, Z[:5], "R0-C1")
    with pytest.raises(lithic.NetlistError):
        lithic.fit(f, Z, "R0-C1", weight="bogus")
    with pytest.raises(lithic.NetlistError):
        lithic.fit(f, Z, "R0-C1", fixed={"R7": 1})
    with pytest.raises(lithic.NetlistError):
        lithic.impedance("R0-C1", [1.0], f)
    with pytest.raises(lithic.NetlistError):
        lithic.kk(f[:2], Z[:2])
    with pytest.raises(lithic.NetlistError):
        lithic.drt(f, Z, basis="nope")
    with pytest.raises(lithic.NetlistError):
        lithic.read_spectrum("/nonexistent/file.csv")
    # A fit of an exact R-C spectrum recovers its values.
    r = lithic.fit(f, Z, "R0-C1", weight="modulus")
    np.testing.assert_allclose(r.values, [10, 1e-4], rtol=1e-8)
    # NULL pointers straight into the C ABI are refused with an error value, not a crash.
    from lithic import _native
    import ctypes
    err = ctypes.c_void_p()
    out = ctypes.c_void_p()
    status = _native.lib.lithic_fit(None, None, None, None, 5, None, 0, None, 0, None, None, 0, ctypes.byref(out), ctypes.byref(err))
    assert status == 3 and err.value
    with pytest.raises(lithic.NetlistError):
        _native.raise_error(status, err.value)
    assert _native.lib.lithic_run_netlist(b"x", 0, None, None, None, 0, None, ctypes.byref(err)) == 3
    _native.lib.lithic_error_free(err.value)
    assert _native.lib.lithic_result_count(None) == 0 and _native.lib.lithic_result_key(None, 0) is None
