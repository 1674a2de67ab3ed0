"""The user-guide pages on scenarios, XMILE files and units run as they are written.

Every ``>>>`` example of ``docs/guide/scenarios.rst``, ``xmile.rst`` and
``units.rst`` is run with :func:`doctest.testfile` (one namespace per page,
as a reader typing them in order would have), and every shell session in a
``.. code-block:: console`` block is replayed through :func:`sysdyn.cli.main`
and its output compared with the page, so the pages cannot go stale
silently.  Files are written only under pytest's temporary directory: the
pages make their folders with :func:`tempfile.mkdtemp`, which is pointed
there, and the shell sessions run in it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
PAGES = ("scenarios.rst", "xmile.rst", "units.rst")
#: Optional dependencies each page's examples use (all in the `test` extra).
NEEDS = {"scenarios.rst": ("SALib", "pyarrow", "zarr", "xarray"), "xmile.rst": (), "units.rst": ()}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty temporary folder, with :mod:`tempfile` making its folders inside it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield tmp_path
    plt.close("all")


@pytest.mark.parametrize("page", PAGES)
def test_doctests(page, in_tmp):
    for module in NEEDS[page]:
        pytest.importorskip(module)
    path = GUIDE / page
    examples = sum(1 for line in path.read_text().splitlines() if line.lstrip().startswith(">>>"))
    failed, attempted = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS, report=True)
    assert attempted == examples, f"{page}: doctest ran {attempted} of its {examples} examples"
    assert failed == 0, f"{page}: {failed} of {attempted} examples failed (the report is above)"


# ------------------------------------------------------------------------------ shell sessions
_BLOCK = re.compile(r"^\.\. code-block:: console\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def _sessions(text: str) -> list[list[tuple[str, list[str]]]]:
    """Each console block as ``[(command, expected output lines), ...]``."""
    out = []
    for block in _BLOCK.findall(text + "\n"):
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            line = line[3:]
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and line.strip():
                steps[-1][1].append(line)
        out.append(steps)
    return out


def _model_files(folder: Path) -> None:
    """The model files the shell sessions of the pages use, made as the pages say."""
    import sysdyn as sd
    from sysdyn.showcase import team_knowledge

    sd.write_xmile(team_knowledge(), folder / "team.xmile")
    m = sd.Model("Hiring", stop=12, dt=0.25, method="euler", time_units="months")
    m.stock("Staff", 10, inflows=["Hiring"], outflows=["Leaving"], units="people")
    m.flow("Hiring", "Staff * growth", units="people")
    m.flow("Leaving", "Staff / tenure", units="people/month")
    m.constant("growth", 0.05, units="1/month")
    m.constant("tenure", 24, units="months")
    sd.write_xmile(m, folder / "hiring.xmile")


def _replay(command: str, state: dict) -> str:
    """Run one command of a session; return what it printed (stdout and stderr)."""
    from sysdyn.cli import main

    words = shlex.split(command)
    if words[:3] == ["python", "-m", "sysdyn"]:
        words = ["sysdyn", *words[3:]]
    if words[0] == "sysdyn":
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            state["code"] = main(words[1:])
        return out.getvalue()
    if words == ["echo", "$?"]:
        return f"{state['code']}\n"
    if words[0] == "head" and len(words) == 3 and words[1].startswith("-"):
        lines = Path(words[2]).read_text().splitlines()[: int(words[1][1:])]
        return "".join(f"{line}\n" for line in lines)
    raise AssertionError(f"the test cannot replay the shell command {command!r}: use sysdyn, echo $? or head")


@pytest.mark.parametrize("page", PAGES)
def test_shell_sessions(page, in_tmp):
    sessions = _sessions((GUIDE / page).read_text())
    _model_files(in_tmp)
    state: dict = {"code": None}
    for steps in sessions:
        for command, expected in steps:
            got = _replay(command, state)
            want = "\n".join(expected)
            assert " ".join(got.split()) == " ".join(want.split()), (
                f"{page}: `{command}` printed\n{got}\nbut the page shows\n{want}"
            )
