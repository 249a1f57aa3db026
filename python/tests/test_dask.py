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
