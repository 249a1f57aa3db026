"""lithic.Crossbar: the same engine as `lithic crossbar`, bit-identical to the command's CSV, and
checked against Ohm's and Kirchhoff's laws where the answer is known in closed form."""
import csv
import os

import numpy as np
import pytest

import lithic


def _csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _write_matrix(path, m):
    with open(path, "w") as f:
        for row in np.atleast_2d(m):
            f.write(",".join(repr(float(x)) for x in row) + "\n")


def test_read_bit_identical_to_cli(cli, tmp_path):
    rng = np.random.default_rng(3)
    G = rng.uniform(1e-5, 1e-4, (8, 6))
    v = rng.uniform(0.05, 0.3, 8)
    _write_matrix(tmp_path / "g.csv", G)
    _write_matrix(tmp_path / "v.csv", v[:, None])
    out = tmp_path / "out"
    cli("crossbar", "--rows", "8", "--columns", "6", "--weights", str(tmp_path / "g.csv"), "--inputs", str(tmp_path / "v.csv"),
        "--rwire", "5", "-o", str(out), "--quiet")
    rows = _csv(out / "currents.csv")
    r = lithic.Crossbar(8, 6, weights=G, rwire=5).read(v)
    assert r.operation == "read" and r.rows == 8 and r.columns == 6
    assert [float(x["current"]) for x in rows] == r.currents.tolist()
    assert [float(x["ideal"]) for x in rows] == r.ideal.tolist()
    assert r.conductances.shape == (8, 6)
    np.testing.assert_array_equal(r.conductances, G)


def test_read_without_wires_is_ohms_law():
    # No wire or driver resistance and a 1 µΩ sense resistor: every column current is Σᵢ Gᵢⱼ vᵢ
    # to within G_column · R_sense ≈ 6e-4 S · 1e-6 Ω = 6e-10 relative.
    rng = np.random.default_rng(5)
    G = rng.uniform(1e-5, 1e-4, (6, 5))
    v = rng.uniform(-0.2, 0.2, 6)
    r = lithic.Crossbar(6, 5, weights=G, rwire=0, rdriver=0, rsense="1u").read(v)
    np.testing.assert_allclose(r.ideal, G.T @ v, rtol=1e-12)
    np.testing.assert_allclose(r.currents, G.T @ v, rtol=1e-8, atol=1e-18)
    # Kirchhoff: the cell currents of a column sum to its current.
    np.testing.assert_allclose(r.cell_currents.sum(axis=0), r.currents, rtol=1e-9)


def test_ir_drop_grows_with_wire_resistance():
    G = np.full((16, 16), 1e-4)
    errors = [lithic.Crossbar(16, 16, weights=G, rwire=rw).read().rms_relative_error for rw in (0.5, 5, 50)]
    assert errors[0] < errors[1] < errors[2]


def test_program_equals_cli(cli, tmp_path):
    targets = np.array([[2e-5, 5e-5, 8e-5], [3e-5, 6e-5, 9e-5]])
    _write_matrix(tmp_path / "t.csv", targets)
    out = tmp_path / "out"
    cli("crossbar", "--rows", "2", "--columns", "3", "--model", "level=10", "--x0", "0.6", "--operation", "program",
        "--targets", str(tmp_path / "t.csv"), "--gmin", "1e-5", "--gmax", "1e-4", "-o", str(out), "--quiet")
    cells = _csv(out / "cells.csv")
    p = lithic.Crossbar(2, 3, model="level=10", x0=0.6, gmin=1e-5, gmax=1e-4).program(targets)
    assert p.final.shape == (2, 3)
    assert [float(c["final"]) for c in cells] == p.final.ravel().tolist()
    assert [int(c["pulses"]) for c in cells] == p.pulses.ravel().astype(int).tolist()
    # Write-verify ends inside its 5 % tolerance on the cells it reports converged.
    ok = p.converged
    assert ok.any()
    assert np.all(np.abs(p.final[ok] / targets[ok] - 1) <= 0.05 + 1e-12)


def test_sneak_single_cell_and_transient():
    G = np.full((4, 4), 5e-5)
    s = lithic.Crossbar(4, 4, weights=G).sneak(cell=(1, 2), unselected="floating")
    assert s.cells.tolist() == [6.0]
    # Floating unselected lines in a uniform array: the column sees the cell plus the sneak
    # network, so the apparent conductance exceeds the cell's.
    assert s.apparent_conductance[0] > 5e-5
    t = lithic.Crossbar(2, 2, model="level=1").transient(tstop=20e-6, tstep=0.5e-6)
    assert t.currents.shape[0] == 2 and t.currents.shape[1] == t.time.size and t.time_steps > 0


def test_errors_name_the_option():
    with pytest.raises(lithic.NetlistError, match="rwyre"):
        lithic.Crossbar(4, 4, rwyre=2).read()
    with pytest.raises(lithic.NetlistError, match="conductances for a 4×4 array"):
        lithic.Crossbar(4, 4, weights=np.ones(5) * 1e-5).read()
    with pytest.raises(lithic.NetlistError, match="not a finite number"):
        lithic.Crossbar(2, 2, weights=[1e-5, np.nan, 1e-5, 1e-5]).read()
    with pytest.raises(lithic.NetlistError, match="operation"):
        lithic.Crossbar(2, 2, weights=np.full(4, 1e-5)).program()  # program needs memristor cells
