"""Netlist runs in-process against the `lithic run` command on the same netlist, an RC with an
analytic answer, input errors with their line and column, and warnings."""
import json
import math
import os
import warnings

import numpy as np
import pytest

import lithic

LADDER = "examples/rc-ladder/ladder.cir"


def test_ladder_bit_identical_to_cli(cli, root, tmp_path):
    r = lithic.Circuit.from_file(os.path.join(root, LADDER)).run()
    cli("run", LADDER, "-o", str(tmp_path), "--format", "json", "--quiet")
    kinds = [a.kind for a in r.analyses]
    assert kinds == ["tran", "ac"]
    for a in r.analyses:
        with open(tmp_path / f"{a.kind}.json") as fh:
            ref = json.load(fh)["vectors"]
        assert list(ref) == a.names
        for name, values in ref.items():
            mine = a[name]
            if isinstance(values, dict):
                # JSON numbers are Swift's shortest round-trip form: equality is bit-identity.
                assert np.array_equal(mine.real, np.array(values["re"])), name
                assert np.array_equal(mine.imag, np.array(values["im"])), name
            else:
                assert np.array_equal(mine, np.array(values, dtype=float)), name
    with open(tmp_path / "measures.json") as fh:
        ref_measures = json.load(fh)
    assert r.measures == ref_measures
    assert len(r.tran["time"]) > 100


def test_ladder_csv_matches_cli(cli, root, tmp_path):
    r = lithic.Circuit.from_file(os.path.join(root, LADDER)).run()
    cli("run", LADDER, "-o", str(tmp_path), "--quiet")
    for kind in ("tran", "ac"):
        data = np.genfromtxt(tmp_path / f"{kind}.csv", delimiter=",", names=True, deletechars="")
        a = r[kind]
        for col in data.dtype.names:
            name, _, part = col.rpartition(".") if col.endswith((".re", ".im")) else (col, "", "")
            v = a[name]
            v = v.imag if part == "im" else v.real
            # %.12e in the CSV: 13 significant digits.
            np.testing.assert_allclose(v, data[col], rtol=1e-12, atol=1e-300, err_msg=col)


def test_dataframe_and_params(root):
    pd = pytest.importorskip("pandas")
    text = open(os.path.join(root, LADDER)).read()
    c = lithic.Circuit.from_string(text, name="ladder.cir")
    r1 = c.run()
    df = r1.tran.to_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df.columns)[0] == "time"
    # Doubling every section's resistance doubles the delay of a linear RC ladder.
    r2 = c.run(params={"rsec": 2e3})
    assert r2.measures["t50"] == pytest.approx(2 * r1.measures["t50"], rel=2e-3)


RC = """RC low-pass, analytic answers
V1 in 0 DC 0 AC 1 PULSE(0 1 0 1n 1n 1 2)
R1 in out {r}
C1 out 0 {c}
.param r=1k c=1u
.tran 10u 5m
.ac dec 10 1 100k
.end
"""


def test_rc_analytic():
    r = lithic.Circuit.from_string(RC).run()
    f = r.ac["frequency"].real
    h = r.ac["v(out)"]
    tau = 1e3 * 1e-6
    expected = 1 / (1 + 2j * math.pi * f * tau)
    # Linear AC solve: rounding only.
    np.testing.assert_allclose(h, expected, rtol=1e-12)
    t = r.tran["time"]
    v = r.tran["v(out)"]
    # Step at t=0 with a 1 ns rise; the trapezoidal/Gear step control keeps the error well below 1 mV.
    ref = np.where(t > 1e-9, 1 - np.exp(-(t - 0.5e-9) / tau), 0)
    assert np.max(np.abs(v - ref)) < 1e-3
    assert v[-1] == pytest.approx(1 - math.exp(-5), abs=1e-3)


BAD = """bad netlist
V1 in 0 1
R1 in out 1k
C1 out 0 1x0u
.op
.end
"""


def test_netlist_error_line_column(cli, tmp_path):
    with pytest.raises(lithic.NetlistError) as info:
        lithic.Circuit.from_string(BAD, name="bad.cir").run()
    e = info.value
    path = tmp_path / "bad.cir"
    path.write_text(BAD)
    p = cli("run", str(path), "-o", str(tmp_path / "out"), check=False)
    assert p.returncode == 2
    # The CLI's message starts with file:line:column.
    where = p.stderr.strip().splitlines()[0].split(": error")[0]
    line, column = where.rsplit(":", 2)[1:]
    assert (e.line, e.column) == (int(line), int(column))
    assert e.line == 4 and e.column > 0
    assert e.file == "bad.cir"
    # From a file, the error names it.
    with pytest.raises(lithic.NetlistError) as info2:
        lithic.Circuit.from_file(str(path)).run()
    assert info2.value.file == str(path) and info2.value.line == 4


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(lithic.NetlistError):
        lithic.Circuit.from_file(str(tmp_path / "nope.cir")).run()
    with pytest.raises(lithic.NetlistError):
        lithic.Circuit.from_string(None).run()
    with pytest.raises(lithic.NetlistError):
        lithic.Circuit.from_string("t\nR1 a 0 1k\x00\n.op\n").run()


WARN = """warnings surfaced
V1 a 0 1
R1 a 0 1k
.save v(nothere)
.op
.control
run
.endc
.end
"""


def test_warnings_surfaced(cli, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = lithic.Circuit.from_string(WARN, name="warn.cir").run()
    mine = [str(w.message) for w in caught if issubclass(w.category, lithic.LithicWarning)]
    assert mine and mine == r.warnings
    path = tmp_path / "warn.cir"
    path.write_text(WARN)
    p = cli("run", str(path), "-o", str(tmp_path / "out"))
    cli_warnings = [l for l in p.stderr.splitlines() if "warning:" in l]
    # Same warnings as the command (which names the file by its path).
    assert len(cli_warnings) == len(mine)
    assert any("nothere" in m for m in mine)
