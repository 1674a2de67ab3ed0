"""sysdyn against PySD on the SDXorg conformance files: same file, same numbers?

Run by hand (PySD is a benchmark extra, never a run-time dependency)::

    pip install -e ".[benchmark]"
    python benchmarks/compare_pysd_xmile.py [path/to/conformance/tests]

For every ``.xmile`` and ``.stmx`` file of the suite (default:
``../shared/conformance/tests`` beside the checkout), both tools read the
file and run it with Euler at the file's own DT; PySD writes its translation
into a scratch folder, never beside the file.  Every variable both tools
report is compared at every saved time, and the largest relative difference
``|a - b| / max(|b|, 1e-9)`` (for values near zero, the absolute difference)
is printed.  The target of the XMILE issue is agreement to 1e-6 wherever
PySD supports the file.  Read and run times of both tools are printed too.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import sysdyn as sd  # noqa: E402  (after the path fallback above)
from sysdyn.names import canonical  # noqa: E402

TOLERANCE = 1e-6


def _key(name: str) -> str:
    return re.sub(r"\s*,\s*", ",", canonical(str(name)))


def _pysd_run(path: Path, scratch: Path):
    import pysd

    copy = scratch / path.name
    shutil.copy(path, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model = pysd.read_xmile(str(copy))
        t1 = time.perf_counter()
        frame = model.run()
        t2 = time.perf_counter()
    return frame, t1 - t0, t2 - t1


def _sysdyn_run(path: Path):
    t0 = time.perf_counter()
    model = sd.read_xmile(path)
    t1 = time.perf_counter()
    frame = model.run(method="euler").to_pandas()
    t2 = time.perf_counter()
    return frame, t1 - t0, t2 - t1


def compare(path: Path, scratch: Path) -> tuple[str, str]:
    """Return (status, detail) for one file: agree, DIFFER, pysd-fails, sysdyn-fails or both-fail."""
    ours = theirs = None
    try:
        ours, read_s, run_s = _sysdyn_run(path)
    except Exception as err:  # a report, not a program: any failure is a row
        ours_error = f"{type(err).__name__}: {str(err).splitlines()[0][:80]}"
    try:
        theirs, pread_s, prun_s = _pysd_run(path, scratch)
    except Exception as err:
        theirs_error = f"{type(err).__name__}: {str(err).splitlines()[0][:80] if str(err) else ''}"
    if ours is None and theirs is None:
        return "both-fail", ours_error
    if ours is None:
        return "sysdyn-fails", ours_error
    if theirs is None:
        return "pysd-fails", theirs_error
    by_key = {_key(c): c for c in ours.columns}
    times = ours.index.to_numpy(float)
    their_times = theirs.index.to_numpy(float)
    common_t = np.intersect1d(np.round(times, 9), np.round(their_times, 9))
    if len(common_t) == 0:
        return "DIFFER", "no common saved times"
    rows_ours = np.searchsorted(np.round(times, 9), common_t)
    rows_theirs = np.searchsorted(np.round(their_times, 9), common_t)
    worst, worst_name, compared = 0.0, "", 0
    for column in theirs.columns:
        key = _key(column)
        if key not in by_key:
            continue
        b = np.asarray(theirs[column].to_numpy()[rows_theirs], dtype=float)
        a = np.asarray(ours[by_key[key]].to_numpy()[rows_ours], dtype=float)
        both_nan = np.isnan(a) & np.isnan(b)
        scale = np.maximum(np.abs(b), 1e-9)
        diff = np.where(both_nan, 0.0, np.abs(a - b) / np.where(np.abs(b) < 1e-9, 1.0, scale))
        compared += 1
        if np.nanmax(diff) > worst or np.isnan(diff).any():
            worst = np.inf if np.isnan(diff).any() else float(np.nanmax(diff))
            worst_name = column
    timing = (
        f"read {read_s * 1e3:.0f} ms vs {pread_s * 1e3:.0f} ms; "
        f"run {run_s * 1e3:.1f} ms vs {prun_s * 1e3:.1f} ms"
    )
    if compared == 0:
        control = {"initial time", "final time", "time step", "saveper", "time"}
        if {_key(c) for c in theirs.columns} <= control:
            return "pysd-fails", "PySD reads no variable of the file (only its control variables)"
        return "DIFFER", "no variable in common"
    status = "agree" if worst <= TOLERANCE else "DIFFER"
    detail = f"{compared} variables, max rel diff {worst:.1e}"
    if status == "DIFFER":
        detail += f" (worst: {worst_name})"
    return status, f"{detail}; {timing}"


def main(argv: list[str]) -> int:
    suite = Path(argv[1]) if len(argv) > 1 else (REPO / ".." / "shared" / "conformance" / "tests").resolve()
    if not suite.is_dir():
        print(f"no conformance suite at {suite}")
        return 1
    try:
        import pysd
    except ImportError:
        print('PySD is not installed: pip install -e ".[benchmark]"')
        return 1
    print(f"sysdyn {sd.__version__} against PySD {pysd.__version__} on {suite}\n")
    files = sorted([*suite.glob("*/*.xmile"), *suite.glob("*/*.stmx")])
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            status, detail = compare(path, Path(scratch))
            counts[status] = counts.get(status, 0) + 1
            print(f"{path.parent.name + '/' + path.name:<80} {status:<13} {detail}")
    print()
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    print(f"'agree' means every common variable within {TOLERANCE:g} relative at every common time")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
