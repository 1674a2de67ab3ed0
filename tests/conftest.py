"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before any test imports matplotlib.pyplot

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``../shared`` folder beside the checkout (conformance models, seeds).

    Tests that use it are skipped where it is absent, as in a user's clone.
    """
    path = (REPO_ROOT / ".." / "shared").resolve()
    if not path.is_dir():
        pytest.skip("../shared is not beside this checkout (it is only in the sysdyn development workspace)")
    return path


@pytest.fixture
def kill_sweep_midway() -> Callable[..., dict]:
    """A function that runs ``script`` (a sweep storing to ``path``, given as its argument) in a
    subprocess, kills it with SIGKILL once ``chunks`` chunks are on disk, and returns the store's
    writers at that moment (chunk index -> writer)."""
    import sysdyn
    from sysdyn.scenarios import load_store

    def kill(script: str, path: Path, chunks: int, timeout: float = 60.0) -> dict:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            env={**os.environ, "PYTHONPATH": str(Path(sysdyn.__file__).parent.parent)},
        )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if (path / "_sysdyn.json").exists() and len(load_store(path).done()) >= chunks:
                    break
                if proc.poll() is not None:
                    pytest.fail(f"the sweep ended (code {proc.returncode}) before it could be killed")
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        return load_store(path).writers()

    return kill
