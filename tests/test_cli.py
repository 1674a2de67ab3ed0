"""The ``sysdyn`` command line: run, info and sweep, exit codes and one-line errors.

The teacup (Newton cooling) has a closed form, so results are checked against it:
Euler gives ``T_n = R + (T0 - R) (1 - dt/tau)^n`` exactly (to rounding), and the
adaptive solvers ``R + (T0 - R) exp(-t/tau)`` within their tolerance.
"""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sysdyn import SysdynError
from sysdyn.cli import main, parse_values
from sysdyn.xmile import read_xmile

ROOT = Path(__file__).resolve().parent.parent
SUITE = (ROOT / ".." / "shared" / "conformance" / "tests").resolve()

TEACUP = """<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
       xmlns:isee="http://iseesystems.com/XMILE">
  <header>
    <name>Teacup</name><vendor>isee systems, inc.</vendor><product version="1.0">Stella</product>
  </header>
  <sim_specs method="Euler" time_units="Minutes">
    <start>0</start><stop>30</stop><dt reciprocal="true">8</dt>
  </sim_specs>
  <model>
    <variables>
      <stock name="Teacup Temperature">
        <eqn>180</eqn><outflow>Heat_Loss_to_Room</outflow><units>Degrees Fahrenheit</units>
      </stock>
      <flow name="Heat Loss to Room">
        <eqn>(Teacup_Temperature - Room_Temperature) / Characteristic_Time</eqn>
        <units>Degrees Fahrenheit/Minute</units>
      </flow>
      <aux name="Room Temperature"><eqn>70</eqn><units>Degrees Fahrenheit</units></aux>
      <aux name="Characteristic Time"><eqn>10</eqn><units>Minutes</units></aux>
    </variables>
  </model>
</xmile>
"""

TEAMS = """<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><name>Teams</name></header>
  <sim_specs method="Euler" time_units="Months"><start>0</start><stop>4</stop><dt>1</dt></sim_specs>
  <dimensions><dim name="Team"><elem name="Ann"/><elem name="Bo"/></dim></dimensions>
  <model>
    <variables>
      <stock name="Knowledge"><dimensions><dim name="Team"/></dimensions><eqn>10</eqn>
        <inflow>Learning</inflow><units>ideas</units></stock>
      <flow name="Learning"><dimensions><dim name="Team"/></dimensions>
        <eqn>rate * Knowledge + NORMAL(0, noise)</eqn></flow>
      <aux name="rate"><eqn>0.1</eqn></aux>
      <aux name="noise"><eqn>1</eqn></aux>
      <aux name="Total"><eqn>SUM(Knowledge[*])</eqn></aux>
    </variables>
  </model>
</xmile>
"""

T0, ROOM, TAU, DT = 180.0, 70.0, 10.0, 0.125


@pytest.fixture
def teacup(tmp_path: Path) -> Path:
    path = tmp_path / "teacup.stmx"
    path.write_text(TEACUP, encoding="utf-8")
    return path


@pytest.fixture
def teams(tmp_path: Path) -> Path:
    path = tmp_path / "teams.xmile"
    path.write_text(TEAMS, encoding="utf-8")
    return path


def read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=float)


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sysdyn: error: "), err
    assert "Traceback" not in err
    return lines[0]


# -------------------------------------------------------------------------------------------- run
def test_run_csv_is_time_then_one_column_per_variable_and_matches_euler_closed_form(teacup, tmp_path, capsys):
    out = tmp_path / "results.csv"
    assert main(["run", str(teacup), "--out", str(out)]) == 0
    header, data = read_csv(out)
    assert header == [
        "time",
        "Teacup Temperature",
        "Heat Loss to Room",
        "Room Temperature",
        "Characteristic Time",
    ]
    n = np.arange(len(data))
    np.testing.assert_allclose(data[:, 0], n * DT, rtol=0, atol=1e-12)
    assert data[-1, 0] == 30
    expected = ROOM + (T0 - ROOM) * (1 - DT / TAU) ** n  # Euler's exact recurrence
    np.testing.assert_allclose(data[:, 1], expected, rtol=1e-12)
    np.testing.assert_allclose(data[:, 2], (expected - ROOM) / TAU, rtol=1e-12)
    assert "Teacup Temperature" in capsys.readouterr().out  # the summary of final values


def test_run_with_several_sets_a_method_and_stop_matches_the_exponential(teacup, tmp_path):
    out = tmp_path / "r.csv"
    args = ["run", str(teacup), "--set", "room temperature=20", "--set", "Characteristic_Time = 5"]
    assert main([*args, "--method", "rk45", "--stop", "60", "--out", str(out)]) == 0
    header, data = read_csv(out)
    t = data[:, 0]
    assert t[-1] == 60
    exact = 20 + (T0 - 20) * np.exp(-t / 5)
    # RK45 runs at rtol 1e-6, atol 1e-9 by default: 1e-5 relative leaves room for error accumulation.
    np.testing.assert_allclose(data[:, 1], exact, rtol=1e-5, atol=1e-6)
    assert set(data[:, header.index("Room Temperature")]) == {20.0}


def test_run_time_options_and_var_selection(teacup, tmp_path):
    out = tmp_path / "r.csv"
    args = ["run", str(teacup), "--start", "5", "--stop", "10", "--dt", "0.5", "--saveper", "1"]
    assert main([*args, "--var", "teacup temperature", "--out", str(out)]) == 0
    header, data = read_csv(out)
    assert header == ["time", "Teacup Temperature"]
    np.testing.assert_allclose(data[:, 0], np.arange(5.0, 11.0))
    steps = 2 * (data[:, 0] - 5)
    np.testing.assert_allclose(data[:, 1], ROOM + (T0 - ROOM) * (1 - 0.5 / TAU) ** steps, rtol=1e-12)


def test_run_to_stdout_gives_csv_only(teacup, capsys):
    assert main(["run", str(teacup), "--out", "-", "--stop", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("time,Teacup Temperature,")
    assert len(lines) == 1 + 9  # header, then t = 0, 0.125, ..., 1


def test_run_arrayed_model_columns_and_seed(teams, tmp_path):
    a, b, c = (tmp_path / f"{x}.csv" for x in "abc")
    assert main(["run", str(teams), "--seed", "1", "--out", str(a)]) == 0
    assert main(["run", str(teams), "--seed", "1", "--out", str(b)]) == 0
    assert main(["run", str(teams), "--seed", "2", "--out", str(c)]) == 0
    header, da = read_csv(a)
    assert header[:5] == ["time", "Knowledge[Ann]", "Knowledge[Bo]", "Learning[Ann]", "Learning[Bo]"]
    _, db = read_csv(b)
    _, dc = read_csv(c)
    np.testing.assert_array_equal(da, db)
    assert not np.array_equal(da, dc)
    ref = read_xmile(str(teams)).run(seed=1)
    np.testing.assert_allclose(da[:, 1:3], ref["Knowledge"], rtol=1e-15)
    np.testing.assert_allclose(da[:, header.index("Total")], ref["Knowledge"].sum(axis=1), rtol=1e-12)


def test_run_one_element(teams, capsys):
    assert main(["run", str(teams), "--seed", "3", "--var", "knowledge[bo]", "--out", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "time,Knowledge[Bo]"


def test_plot_writes_a_png(teacup, tmp_path):
    png = tmp_path / "teacup.png"
    assert main(["run", str(teacup), "--plot", str(png)]) == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_netcdf_output(teacup, tmp_path):
    xr = pytest.importorskip("xarray")
    nc = tmp_path / "r.nc"
    assert main(["run", str(teacup), "--out", str(nc)]) == 0
    with xr.open_dataset(nc) as ds:
        ref = read_xmile(str(teacup)).run()
        np.testing.assert_allclose(ds["Teacup Temperature"].values, ref["Teacup Temperature"], rtol=1e-15)


def test_parquet_output_or_a_clear_error(teacup, tmp_path, capsys):
    out = tmp_path / "r.parquet"
    code = main(["run", str(teacup), "--out", str(out)])
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        assert code == 2
        assert "pip install 'sysdyn-sim[parquet]'" in one_error_line(capsys.readouterr().err)
        assert not out.exists()
        return
    assert code == 0
    df = pd.read_parquet(out)
    assert df.columns[0] == "time" and "Teacup Temperature" in df.columns


# ----------------------------------------------------------------------------------------- errors
def test_unknown_set_name_is_named_with_the_closest_one(teacup, capsys):
    assert main(["run", str(teacup), "--set", "room temprature=20"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "`room temprature`" in line and "did you mean `Room Temperature`?" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "name a command"),
        (["fly"], "invalid choice"),
        (["run"], "required: file"),
        (["run", "{teacup}", "--set", "novalue"], "expected NAME=VALUE"),
        (["run", "{teacup}", "--set", "room temperature=warm"], "'warm' is not a number"),
        (["run", "{teacup}", "--out", "x.txt"], "must end in .csv"),
        (["run", "{teacup}", "--method", "eulr"], "unknown solver `eulr`"),
        (["run", "{teacup}", "--stop", "abc"], "invalid float value"),
        (["run", "{teacup}", "--stop", "-1"], "`stop` (-1) must be after `start`"),
        (["run", "{teacup}", "--set", "heat loss to room=1"], "cannot be overridden"),
        (["run", "no-such.stmx"], "no such model file: no-such.stmx"),
        (["sweep", "{teacup}"], "required: --vary"),
        (["sweep", "{teacup}", "--vary", "room temperature=1:2"], "START:STOP:COUNT"),
        (["sweep", "{teacup}", "--vary", "room temperature=1:2:0"], "COUNT must be a positive"),
        (["sweep", "{teacup}", "--vary", "room temp=1,2"], "did you mean `Room Temperature`?"),
    ],
)
def test_bad_usage_exits_2_with_one_line(teacup, capsys, args, expected):
    args = [a.replace("{teacup}", str(teacup)) for a in args]
    assert main(args) == 2
    assert expected in one_error_line(capsys.readouterr().err)


def test_bad_model_exits_2_and_debug_shows_the_exception(tmp_path, capsys):
    broken = tmp_path / "broken.xmile"
    broken.write_text(TEACUP[: len(TEACUP) // 2], encoding="utf-8")  # truncated XML
    assert main(["run", str(broken)]) == 2
    one_error_line(capsys.readouterr().err)
    bad_eq = tmp_path / "bad.xmile"
    bad_eq.write_text(TEACUP.replace("<eqn>70</eqn>", "<eqn>70 +* 2</eqn>"), encoding="utf-8")
    assert main(["info", str(bad_eq)]) in (0, 2)  # info reads only; the equation fails when compiled
    capsys.readouterr()
    assert main(["run", str(bad_eq)]) == 2
    assert "Room Temperature" in one_error_line(capsys.readouterr().err)
    with pytest.raises(SysdynError):
        main(["run", str(bad_eq), "--debug"])


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "run" in capsys.readouterr().out
    assert main(["run", "--help"]) == 0
    assert "--set NAME=VALUE" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- info
def test_info_lists_everything(teams, teacup, capsys):
    assert main(["info", str(teacup)]) == 0
    out = capsys.readouterr().out
    assert "Model: Teacup" in out
    assert "start 0, stop 30 Minutes, dt 0.125" in out and "method euler" in out
    for heading in ("Stocks (1):", "Flows (1):", "Constants (2):"):
        assert heading in out
    assert "Teacup Temperature (Degrees Fahrenheit)" in out and "out: Heat_Loss_to_Room" in out
    assert main(["info", str(teams)]) == 0
    out = capsys.readouterr().out
    assert "Dimensions (1):\n  Team: Ann, Bo" in out
    assert "Knowledge[Team] (ideas)" in out and "Auxiliaries (1):" in out


# ------------------------------------------------------------------------------------------ sweep
def test_parse_values():
    assert parse_values("6:24:10") == pytest.approx(np.linspace(6, 24, 10).tolist(), rel=1e-15)
    assert parse_values("3:3:1") == [3.0]
    assert parse_values("1.5") == [1.5]


def test_sweep_csv_is_a_full_factorial_of_the_closed_form(teacup, tmp_path, capsys):
    pytest.importorskip("pandas")
    out = tmp_path / "sweep.csv"
    args = ["sweep", str(teacup), "--vary", "characteristic time=6:24:4", "--param", "room temperature=60,70"]
    assert main([*args, "--no-progress", "--stop", "2", "--out", str(out)]) == 0
    header, data = read_csv(out)
    assert header[:4] == ["run", "time", "characteristic time", "room temperature"]
    assert len(np.unique(data[:, 0])) == 8 and len(data) == 8 * 17
    tau, room, t = data[:, 2], data[:, 3], data[:, 1]
    expected = room + (T0 - room) * (1 - DT / tau) ** np.round(t / DT)
    np.testing.assert_allclose(data[:, header.index("Teacup Temperature")], expected, rtol=1e-12)
    combos = {(a, b) for a, b in data[:, 2:4]}
    assert combos == {(a, b) for a in (6, 12, 18, 24) for b in (60, 70)}
    assert "8 runs of Teacup" in capsys.readouterr().out


def test_sweep_paired_and_fixed(teacup, capsys):
    pytest.importorskip("pandas")
    args = ["sweep", str(teacup), "--vary", "characteristic time=5,10", "--vary", "room temperature=20,30"]
    assert main([*args, "--paired", "--set", "teacup temperature=100", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 runs of Teacup" in out
    final = {tau: room + (100 - room) * (1 - DT / tau) ** 240 for tau, room in ((5, 20), (10, 30))}
    for value in final.values():
        assert f"{value:.6f}"[:6] in out


# ------------------------------------------------------------------------------ the real programs
def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def test_python_dash_m_and_the_console_script_agree(teacup, tmp_path):
    a = subprocess.run(
        [sys.executable, "-m", "sysdyn", "run", str(teacup), "--out", "-"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert a.returncode == 0, a.stderr
    script = Path(sys.executable).with_name("sysdyn")
    if not script.exists():
        pytest.skip("the `sysdyn` console script is not installed in this environment (pip install -e .)")
    b = subprocess.run(
        [str(script), "run", str(teacup), "--out", "-"], capture_output=True, text=True, check=False
    )
    assert b.returncode == 0 and a.stdout == b.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sysdyn", "run", str(teacup), "--set", "Rom temperature=1"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert bad.returncode == 2 and "did you mean `Room Temperature`" in one_error_line(bad.stderr)


def test_run_imports_neither_pandas_nor_matplotlib(teacup, tmp_path):
    """What keeps `sysdyn run` fast: a CSV run loads no pandas, matplotlib or SciPy integrators."""
    code = (
        "import sys; from sysdyn.cli import main\n"
        f"code = main(['run', {str(teacup)!r}, '--out', {str(tmp_path / 'r.csv')!r}])\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'scipy.integrate', 'xarray') if m in sys.modules]\n"
        "print(code, heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"


# ------------------------------------------------------------------ the conformance suite's files
def _suite_files() -> list[Path]:
    if not SUITE.is_dir():
        return []
    names = (
        "game/test_game.stmx",
        "builtin_max/builtin_max.xmile",
        "lookups/test_lookups.stmx",
        "abs/test_abs.stmx",
    )
    return [SUITE / n for n in names if (SUITE / n).exists()]


@pytest.mark.skipif(not SUITE.is_dir(), reason="../shared/conformance is not beside this checkout")
@pytest.mark.parametrize("path", _suite_files(), ids=lambda p: p.name)
def test_suite_files_run_through_the_cli_as_in_python(path, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["run", str(path), "--out", str(out)]) == 0, capsys.readouterr().err
    header, data = read_csv(out)
    ref = read_xmile(str(path)).run().to_pandas()
    assert header[1:] == list(ref.columns)
    np.testing.assert_array_equal(data[:, 0], ref.index.to_numpy())
    np.testing.assert_allclose(data[:, 1:], ref.to_numpy(), rtol=1e-15)
    assert main(["info", str(path)]) == 0
    assert "Sim specs:" in capsys.readouterr().out
    assert math.isfinite(data[-1, 1])


def test_check_command(tmp_path, capsys):
    import sysdyn as sd

    path = tmp_path / "m.xmile"
    m = sd.Model("Staffing", time_units="months")
    m.stock("Staff", 10, inflows=["Hiring"], units="people")
    m.flow("Hiring", "Staff / hiring_time", units="people/month")
    m.constant("hiring time", 3, units="months")
    path.write_text(sd.write_xmile(m))
    assert main(["check", str(path)]) == 0
    assert "units are consistent" in capsys.readouterr().out
    path.write_text(sd.write_xmile(m).replace("<units>months</units>", "<units>people</units>"))
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "1 unit issue" in out and "in `Hiring` (equation: 'Staff / hiring_time')" in out
    assert "expected people/month, found dmnl" in out
