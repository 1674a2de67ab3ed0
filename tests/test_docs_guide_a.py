"""The examples of the user guide's pages on models, loops and networks run, and print what the pages say.

Every ``>>>`` block of ``docs/guide/models.rst``, ``loops.rst`` and
``networks.rst`` is run as a doctest, so a change in the library that changes
an output shown on these pages fails here instead of leaving the page wrong.
"""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before the pages import matplotlib.pyplot

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
PAGES = ["models.rst", "loops.rst", "networks.rst"]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("page", PAGES)
def test_guide_page_examples(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    path = GUIDE / page
    assert path.is_file(), f"{path} is missing"
    monkeypatch.chdir(tmp_path)  # anything a page writes by a relative path lands in a temporary folder
    try:
        failed, attempted = doctest.testfile(
            str(path), module_relative=False, optionflags=FLAGS, report=True, verbose=False
        )
    finally:
        plt.close("all")
    assert attempted > 0, f"{page} has no >>> examples"
    assert failed == 0, f"{failed} of the {attempted} examples of {page} failed (see the output above)"
