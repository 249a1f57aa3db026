"""Sweeps and batch fits on a LocalCluster of 2 worker processes equal the in-process runs."""
import os

import numpy as np
import pytest

import lithic
import lithic.distributed

distributed = pytest.importorskip("dask.distributed")

RC = """RC sweep
V1 in 0 DC 0 AC 1 PULSE(0 1 0 1n 1n 1 2)
R1 in out {r}
C1 out 0 {c}
.param r=1k c=1u
.ac dec 10 1 100k
.meas ac f3db WHEN vdb(out)=-3
.end
"""


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_sweep_on_cluster_equals_in_process(client):
    rng = np.random.default_rng(7)
    points = [{"r": float(r), "c": float(c)} for r, c in zip(rng.uniform(500, 2000, 40), rng.uniform(0.5e-6, 2e-6, 40))]
    points.append({"r": -1.0, "c": 1e-6})  # fails: no -3 dB point / bad value, comes back as a row
    circuit = lithic.Circuit.from_string(RC)
    local = lithic.sweep(circuit, points)
    remote = lithic.sweep(circuit, points, client=client)
    assert len(remote) == len(points)
    assert local.equals(remote)
    ok = local["error"].isna() & local["f3db"].notna()
    # The -3 dB frequency of an RC is 1/(2πRC) (interpolated on a 10-per-decade grid).
    np.testing.assert_allclose(local["f3db"][ok], 1 / (2 * np.pi * local["r"][ok] * local["c"][ok]), rtol=2e-2)


def test_fit_batch_on_cluster_equals_in_process(client, fixtures):
    files = [os.path.join(fixtures, "eis", n) for n in ("exampleData.csv", "exampleDataZPlot.z", "exampleDataGamry.DTA")]
    files.append(os.path.join(fixtures, "eis", "missing.csv"))
    local = lithic.fit_batch(files, "R0-p(R1,C1)-p(R2-Wo1,C2)", initial=[.01, .01, 100, .01, .05, 100, 1])
    remote = lithic.fit_batch(files, "R0-p(R1,C1)-p(R2-Wo1,C2)", initial=[.01, .01, 100, .01, .05, 100, 1], client=client)
    assert local.equals(remote)
    assert remote["error"].notna().tolist() == [False, False, False, True]


SLOW = """RC step, 20k output points per run
V1 in 0 PULSE(0 1 0 1n 1n 1 2)
R1 in out {r}
C1 out 0 1u
.param r=1k
.tran 1u 20m
.meas tran v1m FIND v(out) AT=1m
.end
"""


def test_monte_carlo_200_points_survives_a_killed_worker(client):
    import threading
    import time
    rng = np.random.default_rng(11)
    points = [{"r": float(r)} for r in rng.normal(1e3, 50, 200)]
    circuit = lithic.Circuit.from_string(SLOW)
    done = {}
    t = threading.Thread(target=lambda: done.setdefault("rows", lithic.distributed.sweep(circuit, points, client=client, chunk=2)))
    t.start()
    import signal
    pids = client.run(os.getpid)
    killed = None
    deadline = time.time() + 60
    while killed is None and time.time() < deadline:
        busy = {w: len(tasks) for w, tasks in client.processing().items() if tasks}
        if busy and client.run_on_scheduler(lambda dask_scheduler: sum(1 for ts in dask_scheduler.tasks.values() if ts.state == "memory")) >= 5:
            killed = next(iter(busy))
            os.kill(pids[killed], signal.SIGKILL)
        time.sleep(0.05)
    t.join(timeout=300)
    assert killed is not None, "no worker was busy to kill"
    rows = done["rows"]
    assert len(rows) == 200 and rows["error"].isna().all()
    local = lithic.sweep(circuit, points)
    assert local.equals(rows)
    # v(out) at 1 ms of a step into RC: 1 − exp(−1 ms / RC) (step-control error well below 1e-3).
    np.testing.assert_allclose(rows["v1m"], 1 - np.exp(-1e-3 / (rows["r"] * 1e-6)), atol=1e-3)


def test_batch_fit_of_200_spectra_on_cluster_equals_in_process(client, tmp_path):
    # 200 synthetic spectra of R0-p(R1,C1) whose R1 drifts slowly, 1 % noise, written as CSV
    # (frequency, Z', Z''); the cluster's table equals the in-process one row for row.
    rng = np.random.default_rng(21)
    f = np.logspace(5, -1, 25)
    files = []
    for k in range(200):
        r0, r1, c1 = 10.0, 100.0 * (1 + 0.5 * k / 199), 1e-5
        z = r0 + r1 / (1 + 2j * np.pi * f * r1 * c1)
        z = z * (1 + 0.01 * rng.standard_normal(f.size))
        path = tmp_path / f"s{k:03d}.csv"
        np.savetxt(path, np.column_stack([f, z.real, z.imag]), delimiter=",")
        files.append(str(path))
    local = lithic.fit_batch(files, "R0-p(R1,C1)", starts=8)
    remote = lithic.fit_batch(files, "R0-p(R1,C1)", starts=8, client=client)
    assert len(remote) == 200 and remote["error"].isna().all()
    assert local.equals(remote)
    # The drift is recovered within the noise: R1 to 3 % at every point.
    truth = 100.0 * (1 + 0.5 * np.arange(200) / 199)
    np.testing.assert_allclose(remote["R1"], truth, rtol=0.03)


def test_monte_carlo_sweep_from_python_on_cluster(client):
    # A 200-sample Latin-hypercube Monte Carlo of R (agauss, 5 % at 1 σ) from Python: the same
    # table on the cluster as in process, the samples' spread as drawn, f3db = 1/(2πRC).
    circuit = lithic.Circuit.from_string(RC)
    params = {"r": lithic.agauss(1e3, 50, 1), "c": 1e-6}
    local = lithic.sweep(circuit, params, samples=200, seed=4, sampling="lhs")
    remote = lithic.sweep(circuit, params, samples=200, seed=4, sampling="lhs", client=client)
    assert len(local) == 200 and local.equals(remote)
    assert abs(local["r"].mean() - 1e3) < 3 * 50 / np.sqrt(200)
    assert 0.85 * 50 < local["r"].std() < 1.15 * 50
    np.testing.assert_allclose(local["f3db"], 1 / (2 * np.pi * local["r"] * 1e-6), rtol=2e-2)
