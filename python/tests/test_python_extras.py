"""Monte Carlo sampling, fit bounds, and impedance.py-compatible save/load of lithic.CustomCircuit."""
import os

import numpy as np
import pytest

import lithic


def test_distributions_follow_ngspice_definitions():
    n = 20000
    draws = lithic.sample({"a": lithic.agauss(10.0, 0.3, 3), "g": lithic.gauss(10.0, 0.1, 1), "u": lithic.aunif(5.0, 1.0),
                           "r": lithic.unif(4.0, 0.5), "l": lithic.lognormal(2.0, 0.2), "k": 7.0}, n, seed=9)
    col = {k: np.array([d[k] for d in draws]) for k in draws[0]}
    se = 1 / np.sqrt(n)
    # agauss(nom, avar, sigma): standard deviation avar/sigma; gauss: avar = rvar·nom.
    assert abs(col["a"].mean() - 10) < 4 * 0.1 * se and abs(col["a"].std() / 0.1 - 1) < 0.03
    assert abs(col["g"].std() / 1.0 - 1) < 0.03
    # aunif(nom, avar): uniform on nom ± avar; unif(nom, rvar): nom ± rvar·nom.
    assert col["u"].min() >= 4.0 and col["u"].max() <= 6.0 and abs(col["u"].std() - 2 / np.sqrt(12)) < 0.02
    assert col["r"].min() >= 2.0 and col["r"].max() <= 6.0
    # lognormal(median, sigma): ln X ~ N(ln median, sigma).
    assert abs(np.median(col["l"]) / 2.0 - 1) < 0.01 and abs(np.log(col["l"]).std() - 0.2) < 0.005
    assert np.all(col["k"] == 7.0)
    # Reproducible for a seed, different for another.
    again = lithic.sample({"a": lithic.agauss(10.0, 0.3, 3)}, 5, seed=9)
    assert [d["a"] for d in again] == [d["a"] for d in lithic.sample({"a": lithic.agauss(10.0, 0.3, 3)}, 5, seed=9)]
    assert [d["a"] for d in again] != [d["a"] for d in lithic.sample({"a": lithic.agauss(10.0, 0.3, 3)}, 5, seed=10)]


def test_latin_hypercube_fills_every_stratum_once():
    n = 64
    draws = lithic.sample({"x": lithic.aunif(0.0, 1.0), "y": lithic.aunif(0.0, 1.0)}, n, seed=2, sampling="lhs")
    for k in ("x", "y"):
        u = (np.array([d[k] for d in draws]) + 1) / 2  # back to [0, 1)
        assert sorted(np.floor(u * n).astype(int).tolist()) == list(range(n))
    with pytest.raises(ValueError):
        lithic.sample({"x": lithic.aunif(0, 1)}, 10, sampling="sobol")
    with pytest.raises(ValueError):
        lithic.agauss(1.0, -1.0)


def _rc(f, r0, r1, c1):
    return r0 + r1 / (1 + 2j * np.pi * f * r1 * c1)


def test_bounds_hold_and_are_checked():
    f = np.logspace(5, -1, 31)
    z = _rc(f, 10.0, 100.0, 1e-5)
    free = lithic.fit(f, z, "R0-p(R1,C1)", initial=[5, 50, 1e-6])
    assert abs(free.parameters["R0"] / 10 - 1) < 1e-6
    # R0 held in [12, 20] Ω: the fit ends at the bound, not at the unbounded 10 Ω.
    with pytest.warns(lithic.LithicWarning, match="R0 is at its bound"):
        bounded = lithic.fit(f, z, "R0-p(R1,C1)", initial=[15, 50, 1e-6], bounds={"R0": (12, 20)})
    assert 12 <= bounded.parameters["R0"] <= 12 * (1 + 1e-3)
    with pytest.raises(lithic.NetlistError, match="R9"):
        lithic.fit(f, z, "R0-p(R1,C1)", bounds={"R9": (0, 1)})
    with pytest.raises(lithic.NetlistError, match="empty"):
        lithic.fit(f, z, "R0-p(R1,C1)", bounds={"R0": (5, 1)})
    cc = lithic.CustomCircuit("R0-p(R1,C1)", initial_guess=[15, 50, 1e-6])
    with pytest.warns(lithic.LithicWarning, match="at its bound"):
        cc.fit(f, z, bounds=([12, 0, 0], [20, np.inf, np.inf]))
    assert 12 <= cc.parameters_[0] <= 12.012
    with pytest.raises(ValueError, match="3 lower and upper"):
        cc.fit(f, z, bounds=([12, 0], [20, np.inf]))


def test_save_load_interoperates_with_impedance_py(tmp_path):
    impedance = pytest.importorskip("impedance.models.circuits")
    f = np.logspace(5, -1, 31)
    z = _rc(f, 10.0, 100.0, 1e-5)
    ours = lithic.CustomCircuit("R0-p(R1,C1)", initial_guess=[5, 50, 1e-6], name="rc").fit(f, z)
    path = os.fspath(tmp_path / "model.json")
    ours.save(path)
    theirs = impedance.CustomCircuit()
    theirs.load(path)
    np.testing.assert_array_equal(theirs.parameters_, ours.parameters_)
    np.testing.assert_allclose(theirs.predict(f), ours.predict(f), rtol=1e-10)
    # And back: impedance.py's file, with its fitted values as our initial guess.
    theirs.save(os.fspath(tmp_path / "theirs.json"))
    again = lithic.CustomCircuit().load(os.fspath(tmp_path / "theirs.json"), fitted_as_initial=True)
    assert again.circuit == "R0-p(R1,C1)" and again.parameters_ is None
    np.testing.assert_array_equal(again.initial_guess, ours.parameters_)
    with open(tmp_path / "bad.json", "w") as fh:
        fh.write("{}")
    with pytest.raises(lithic.NetlistError, match="Circuit String"):
        lithic.CustomCircuit().load(os.fspath(tmp_path / "bad.json"))


def test_plot_nyquist_has_equal_axes():
    plt = pytest.importorskip("matplotlib.pyplot")
    f = np.logspace(5, -1, 31)
    cc = lithic.CustomCircuit("R0-p(R1,C1)", initial_guess=[10, 100, 1e-5])
    with pytest.warns(UserWarning, match="initial parameters"):
        ax = cc.plot(f_data=f, Z_data=_rc(f, 10.0, 100.0, 1e-5), kind="nyquist")
    assert ax.get_aspect() == 1.0
    plt.close("all")
