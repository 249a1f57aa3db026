"""Sweeps and batch fits on a dask.distributed cluster.

Each task carries the netlist text (or path) and its parameters, or a spectrum file path and
the fit options, and runs the in-process engine on the worker (each worker process loads
libLithicC.so on `import lithic`). Results are gathered into one table in the input order; a
point that fails comes back as a row with its error. Works with any Client: LocalCluster,
dask-jobqueue (SLURMCluster, PBSCluster) or dask-mpi, unchanged — the workers need the same
Python environment (this package and the library) as the client.

    from dask.distributed import Client, LocalCluster
    import lithic, lithic.distributed as ld
    with Client(LocalCluster(n_workers=2, processes=True)) as client:
        table = ld.sweep(lithic.Circuit.from_file("rc.cir"), [{"r": 1e3}, {"r": 2e3}], client=client)
"""
from __future__ import annotations

import os

import lithic


def _run_points(circuit, points, measures):
    return [lithic.run_point(circuit, p, measures) for p in points]


def sweep(circuit, params, client, measures=None, chunk=None):
    """`lithic.sweep` on a Dask client: points grouped in chunks (default: 4 chunks per worker)
    submitted as tasks; rows gathered in order into a DataFrame (list of dicts without pandas)."""
    points = lithic._points(params)
    if not points:
        return lithic._table([])
    if circuit.path is not None:
        circuit = lithic.Circuit(circuit.text, os.path.abspath(circuit.path), circuit.name, circuit.params)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = chunk or max(1, -(-len(points) // (4 * workers)))
    futures = [client.submit(_run_points, circuit, points[i:i + size], measures, pure=False)
               for i in range(0, len(points), size)]
    rows = [row for part in client.gather(futures) for row in part]
    return lithic._table(rows)


def _fit_file(path, circuit, initial, weight, starts, fixed, index):
    row = {"file": path}
    try:
        s = lithic.read_spectrum(path, index)
        r = lithic.fit(s.frequency, s.Z, circuit, initial=initial, weight=weight, starts=starts, fixed=fixed, warn=False)
        for n, v, e in zip(r.names, r.values, r.stderr):
            row[n] = float(v)
            row[n + "_stderr"] = float(e)
        row.update(chi2=r.chi2, reduced_chi2=r.reduced_chi2, rms_relative=r.rms_relative, converged=r.converged, error=None)
    except (lithic.LithicError, OSError) as e:
        row["error"] = str(e)
    return row


def fit_batch(files, circuit, client=None, initial=None, weight="modulus", starts=32, fixed=None, index=1):
    """Fits every file (one Dask task per file when `client` is given, else in this process):
    one row per file with each parameter, its standard error, χ², reduced χ², rms relative
    residual, converged and error (None, or why that file failed)."""
    files = [os.path.abspath(os.fspath(f)) for f in files]
    if client is None:
        rows = [_fit_file(f, circuit, initial, weight, starts, fixed, index) for f in files]
    else:
        futures = [client.submit(_fit_file, f, circuit, initial, weight, starts, fixed, index, pure=False) for f in files]
        rows = client.gather(futures)
    return lithic._table(rows)
