"""The SDXorg conformance suite: every ``.xmile`` and ``.stmx`` case of ``../shared/conformance/tests``.

Each case runs at the model's own DT with Euler (the canonical outputs were
all made with Euler, also for the few files that declare RK4) and is compared with its
canonical output (``output.csv`` or ``output.tab``, from Vensim or Stella,
fixed-step Euler) cell by cell: ``|ours - canonical| <= 1e-6 + 1e-3 |canonical|``
(rtol 1e-3 because the canonical files hold 4-6 significant digits; the
``exp`` case needs ``atol = 1e-5`` for one cell where Vensim's single
precision wrote -2.5e-6 for zero).  Columns are matched by XMILE's name rule.

Outcomes:

* **pass**: every canonical cell agrees.  A case listed in
  ``tests/conformance_baseline.txt`` must pass: if it does not, the test
  fails (a regression).
* **defective**: a known-broken upstream file (see ``DEFECTIVE``, with the
  reason); reported as xfail, never counted as a pass.
* **fail**: not passing yet and not in the baseline; reported as xfail with
  the reason (missing feature, mismatch...).

A summary count is printed at the end of the module.  Run
``python tests/test_conformance.py`` for the full table, and
``python tests/test_conformance.py --update-baseline`` to record the cases
that pass now.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sysdyn import SysdynError
from sysdyn.names import canonical
from sysdyn.xmile import read_xmile

ROOT = Path(__file__).resolve().parent.parent
SUITE = (ROOT / ".." / "shared" / "conformance" / "tests").resolve()
BASELINE = Path(__file__).with_name("conformance_baseline.txt")
RTOL, ATOL = 1e-3, 1e-6
#: Cases that need a larger absolute tolerance, and why (from the suite's README).
ATOL_OVERRIDES = {"exp": 1e-5}  # one cell where Vensim's single precision gives -2.5e-6 for zero

_SUBSCRIPT_PLACEHOLDERS = "the export left `???` placeholder equations (upstream README)"
_NO_MACRO = "calls EXPRESSION MACRO() without a macro definition (upstream README)"
_NO_MACROS = "calls the macros without a macro definition (upstream README)"
_MACROS_RESTORED = (
    "; sysdyn reads XMILE macros: tests/test_xmile_modules.py runs this case with the definition restored"
)
#: Known-defective upstream cases: (folder, file or None for every file of the folder) -> reason.
DEFECTIVE: dict[tuple[str, str | None], str] = {
    ("active_initial", None): "the ACTIVE INITIAL was lost in export (upstream README)",
    ("smooth_and_stock", None): "three canonical columns are missing from the model (upstream README)",
    ("macro_expression", None): _NO_MACRO + _MACROS_RESTORED,
    ("macro_multi_expression", None): _NO_MACRO + _MACROS_RESTORED,
    ("macro_multi_macros", None): _NO_MACROS + _MACROS_RESTORED,
    ("macro_stock", None): _NO_MACRO + _MACROS_RESTORED,
    ("subscript_1d_arrays", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_constant_call", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_mixed_assembly", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_multiples", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_subranges", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_subranges_equal", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscript_updimensioning", None): _SUBSCRIPT_PLACEHOLDERS,
    ("subscripted_flows", None): _SUBSCRIPT_PLACEHOLDERS,
    # Found by sysdyn (not in the upstream README); each reason says what is broken in the file.
    ("non_negative_flows", None): "sysdyn finding: not well-formed XML (a <flow> element is never closed)",
    ("logicals", "test_logicals.stmx"): (
        "sysdyn finding: the export wrote `IF false_input not THEN`, a postfix NOT that is not XMILE"
    ),
}
_CONTROL = {"initial time": "start", "final time": "stop", "time step": "dt", "saveper": "saveper"}


def _cases() -> list[str]:
    if not SUITE.is_dir():
        return []
    files = [*SUITE.glob("*/*.xmile"), *SUITE.glob("*/*.stmx")]
    return sorted(str(p.relative_to(SUITE)) for p in files)


def _defect(case: str) -> str | None:
    folder, file = case.split("/", 1)
    return DEFECTIVE.get((folder, file)) or DEFECTIVE.get((folder, None))


def _column_key(name: str) -> str:
    """Canonical column name; subscripts written without spaces after commas."""
    return re.sub(r"\s*,\s*", ",", canonical(str(name)))


def _canonical_output(folder: Path) -> pd.DataFrame:
    for name, sep in (("output.csv", ","), ("output.tab", "\t")):
        path = folder / name
        if path.exists():
            table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
            table.columns = [_column_key(c) for c in table.columns]
            return table
    raise FileNotFoundError(f"no output.csv or output.tab in {folder}")


def compare(case: str) -> tuple[str, str]:
    """Run one case; return ``(outcome, detail)`` with outcome 'pass', 'fail' or 'defective'."""
    defect = _defect(case)
    if defect is not None:
        return "defective", defect
    path = SUITE / case
    try:
        model = read_xmile(path)
        # The canonical outputs were all made with Euler at the model's DT, also for the five files that
        # declare RK4 (suite README), so the run uses Euler at the file's own DT.
        res = model.run(method="euler")
    except (SysdynError, FileNotFoundError) as err:
        first = str(err).splitlines()[0]
        return "fail", f"{type(err).__name__}: {first}"
    except Exception as err:  # a crash is a failure to report, with its type
        return "fail", f"crash {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
    expected = _canonical_output(path.parent)
    ours = res.to_pandas()
    by_key = {_column_key(c): c for c in ours.columns}
    specs = model.sim_specs
    atol = ATOL_OVERRIDES.get(case.split("/", 1)[0], ATOL)
    times = pd.to_numeric(expected["time"]).to_numpy(float)
    our_times = ours.index.to_numpy(float)
    rows = np.searchsorted(our_times, times - 1e-9 * max(1.0, abs(specs.dt)))
    rows = np.minimum(rows, len(our_times) - 1)
    if not np.allclose(our_times[rows], times, rtol=0, atol=1e-9 * max(1.0, abs(specs.stop))):
        return "fail", f"canonical times {times[:3]}... are not all saved times of the run"
    problems: list[str] = []
    for column in expected.columns:
        if column == "time":
            continue
        cells = pd.to_numeric(expected[column].replace("", np.nan), errors="coerce").to_numpy(float)
        if column in by_key:
            values = ours[by_key[column]].to_numpy(float)[rows]
        elif column in _CONTROL:  # Vensim's control variables are the run's own specs
            values = np.full(len(rows), float(getattr(specs, _CONTROL[column])))
        else:
            problems.append(f"no variable for canonical column `{column}`")
            continue
        known = ~np.isnan(cells)  # Vensim writes constants only in the first row
        bad = known & ~(np.abs(values - cells) <= atol + RTOL * np.abs(cells))
        if bad.any():
            i = int(np.argmax(bad))
            problems.append(
                f"`{column}` at time {times[i]:g}: ours {values[i]:.6g}, canonical {cells[i]:.6g}"
            )
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        return "fail", "; ".join(problems[:2]) + more
    return "pass", ""


def _baseline() -> set[str]:
    if not BASELINE.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in BASELINE.read_text().splitlines())
    return {line for line in lines if line}


CASES = _cases()
_OUTCOMES: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if not _OUTCOMES:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = []
    for fmt in ("xmile", "stmx"):
        counts = {o: _OUTCOMES[(fmt, o)] for o in ("pass", "fail", "defective")}
        total = sum(counts.values())
        lines.append(
            f"conformance .{fmt}: {counts['pass']} pass, {counts['fail']} fail, "
            f"{counts['defective']} defective, of {total}"
        )
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)


@pytest.mark.parametrize("case", CASES or ["<suite absent>"])
def test_conformance_case(case, shared_dir):
    if not CASES:
        pytest.skip("../shared/conformance/tests is absent")
    outcome, detail = compare(case)
    _OUTCOMES[(case.rsplit(".", 1)[-1], outcome)] += 1
    if outcome == "defective":
        pytest.xfail(f"defective case: {detail}")
    if outcome == "fail":
        if case in _baseline():
            pytest.fail(f"regression: {case} is recorded as passing in {BASELINE.name}, now: {detail}")
        pytest.xfail(f"not passing yet: {detail}")


def test_baseline_names_existing_cases(shared_dir):
    if not CASES:
        pytest.skip("../shared/conformance/tests is absent")
    stale = sorted(_baseline() - set(CASES))
    assert not stale, f"{BASELINE.name} lists cases that are not in the suite: {stale}"


def _main(argv: list[str]) -> int:  # pragma: no cover - a command-line helper
    results = {case: compare(case) for case in CASES}
    width = max(map(len, results), default=10)
    for case, (outcome, detail) in results.items():
        print(f"{case:<{width}}  {outcome:<9}  {detail}")
    for fmt in ("xmile", "stmx"):
        counts = Counter(o for c, (o, _) in results.items() if c.endswith(fmt))
        print(f".{fmt}: " + ", ".join(f"{counts[o]} {o}" for o in ("pass", "fail", "defective")))
    regressions = sorted(c for c in _baseline() if results.get(c, ("fail",))[0] != "pass")
    if regressions:
        print("REGRESSIONS:", ", ".join(regressions))
    if "--update-baseline" in argv:
        passing = sorted(c for c, (o, _) in results.items() if o == "pass")
        BASELINE.write_text(
            "# Conformance cases that pass; tests/test_conformance.py fails if one of them stops passing.\n"
            "# Regenerate with: python tests/test_conformance.py --update-baseline\n"
            + "\n".join(passing)
            + "\n"
        )
        print(f"wrote {len(passing)} cases to {BASELINE}")
    return 1 if regressions else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
