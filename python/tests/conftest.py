"""Shared fixtures: the repository root and the `lithic` command the results are compared with
($LITHIC_BINARY, else the build folders' debug or release binary)."""
import glob
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "LithicTests", "Fixtures")


def _binary():
    env = os.environ.get("LITHIC_BINARY")
    if env:
        return env
    found = [p for p in glob.glob(os.path.join(ROOT, ".build*", "*", "lithic")) if os.access(p, os.X_OK)]
    return max(found, key=os.path.getmtime) if found else None


@pytest.fixture(scope="session")
def cli():
    path = _binary()
    if path is None or not os.path.exists(path):
        pytest.fail("the lithic command was not found: build it (swift build --product lithic) or set LITHIC_BINARY")

    def run(*args, check=True):
        p = subprocess.run([path, *args], capture_output=True, text=True, cwd=ROOT)
        if check and p.returncode != 0:
            raise AssertionError(f"lithic {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p
    run.path = path
    return run


@pytest.fixture
def root():
    return ROOT


@pytest.fixture
def fixtures():
    return FIXTURES
