"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
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
