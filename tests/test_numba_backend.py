"""The numba back end (``euler-numba``, ``rk4-numba``): the same numbers as the pure-Python solvers.

Compiling takes a fraction of a second per model, method and kind (single or
ensemble), so the models are built once per module and each compiles only
what its tests need.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.compiler.numba_backend import _helpers, kernel_source
from sysdyn.compiler.runtime import Lookup, pulse, ramp, round_half_away, sign
from sysdyn.ir import GraphicalFunction
from sysdyn.showcase import team_knowledge
from sysdyn.solvers import numba_solvers
from sysdyn.solvers.numba_solvers import register_numba_solvers

numba = pytest.importorskip("numba")

TOL = 1e-12


def decay() -> sd.Model:
    m = sd.Model("decay", stop=10, dt=0.125)
    m.stock("S", 100, outflows=["out"])
    m.flow("out", "k * S")
    m.constant("k", 0.3)
    return m


def logistic() -> sd.Model:
    m = sd.Model("logistic", stop=20, dt=0.25)
    m.stock("P", 2, inflows=["growth"])
    m.flow("growth", "r * P * (1 - P / K)")
    m.constant("r", 0.6)
    m.constant("K", 50)
    return m


def oscillator() -> sd.Model:
    m = sd.Model("oscillator", stop=12, dt=0.05, saveper=0.5)
    m.stock("x", 1, inflows=["vx"])
    m.stock("v", 0, outflows=["pull"])
    m.flow("vx", "v")
    m.flow("pull", "w ^ 2 * x")
    m.constant("w", 1.5)
    return m


def switches() -> sd.Model:
    """STEP, PULSE, RAMP, the three lookup kinds, SMTH3, DELAY3 and the math builtins."""
    m = sd.Model("switches", start=1, stop=30, dt=0.25)
    m.lookup("effect", [0, 5, 10, 20], [0, 1, 4, 2])
    m.lookup("steps", [0, 10, 20], [1, 3, 2], kind="discrete")
    m.stock("Stock", 5, inflows=["inflow"], outflows=["outflow"], non_negative=True)
    m.flow("inflow", "STEP(height, 4) + PULSE(20, 6) + PULSE(3, 8, 5) + RAMP(0.5, 2, 12) + effect(TIME)")
    m.flow("outflow", "Stock / SMTH3(drain_time, 4) + LOOKUP(steps, TIME) * 0", non_negative=True)
    m.stock("Level", 1, inflows=["change"])
    m.flow("change", "DELAY3(inflow, 3) - SMTH1(Level, 2, 0.5) + TREND(Stock, 3) + INIT(Stock) / 10")
    m.aux("shaped", "Stock / 10", lookup=([0, 1, 2], [0, 2, 3]), lookup_kind="extrapolate")
    m.aux(
        "maths",
        "ABS(SIN(TIME)) + EXP(-TIME / 10) + LN(1 + Stock) + SQRT(Level ^ 2) + COS(PI * TIME) "
        "+ ARCTAN(1) + LOG10(100) + LOG(8, 2) + INT(TIME / 3) + ROUND(TIME / 4) + SIGN(Stock - 10) "
        "+ MODULO(TIME - 15, 7) + SAFEDIV(Stock, Level - Level) + MIN(Stock, 3, Level) + MAX(1, Level)",
    )
    m.aux(
        "logic",
        "IF (Stock > 10 AND NOT (Level < 0)) OR TIME = 20 THEN DT ELSE STOPTIME - STARTTIME "
        "+ (Stock >= Level) + DELAYN(Stock, 2, 3)",
    )
    m.constant("height", 2)
    m.constant("drain time", 3)
    return m


MODELS = {"decay": decay, "logistic": logistic, "oscillator": oscillator, "snippet": team_knowledge}
MODELS["switches"] = switches


@pytest.fixture(scope="module")
def models() -> dict[str, sd.Model]:
    """Each model compiled once for the module; the compiled model caches its kernels."""
    built = {name: make() for name, make in MODELS.items()}
    for m in built.values():
        m.compile()
    return built


def assert_same(numba_res: sd.Results, pure: sd.Results, tol: float = TOL) -> None:
    assert numba_res.names == pure.names
    np.testing.assert_array_equal(numba_res.time, pure.time)
    for name in pure.names:
        got, want = numba_res[name], pure[name]
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=name)


# --------------------------------------------------------------------------- single runs
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_single_run_matches_pure_python(models, name, method):
    m = models[name]
    res = m.run(method=f"{method}-numba")
    assert_same(res, m.run(method=method))
    assert res.info["backend"] == "numba" and res.info["compile_seconds"] > 0
    assert res.method == f"{method}-numba"


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_single_run_is_bit_identical_on_the_snippet(models, method):
    m = models["snippet"]
    res, pure = m.run(method=f"{method}-numba"), m.run(method=method)
    for name in pure.names:
        np.testing.assert_array_equal(res[name], pure[name])


def test_switches_model_exercises_every_construct(models):
    """The switches model is not trivially flat: each switch changes the run."""
    res = models["switches"].run(method="euler-numba")
    inflow = dict(zip(res.time.tolist(), res["inflow"].tolist(), strict=True))
    assert inflow[4.0] != inflow[3.75]  # STEP
    assert res["inflow"].max() > 20 / 0.25  # PULSE volume / DT
    assert np.ptp(res["maths"]) > 1 and np.ptp(res["logic"]) > 1


def test_run_options_and_overrides(models):
    m = models["logistic"]
    opts = {"start": 2, "stop": 12, "dt": 0.5, "saveper": 1.0, "params": {"r": 0.9, "P": 3}}
    res = m.run(method="euler-numba", **opts)
    assert_same(res, m.run(method="euler", **opts))
    assert res.params["r"] == 0.9
    assert res.time[0] == 2 and len(res.time) == 11


def test_results_behave_like_pure_results(models):
    m = models["snippet"]
    numba_solvers._TEMPLATES.pop(m.compile(), None)
    first, again, pure = m.run(method="euler-numba"), m.run(method="euler-numba"), m.run(method="euler")
    assert numba_solvers._TEMPLATES[m.compile()] is first
    for res in (first, again):  # the first is built by the constructor, later ones are copies of it
        assert res.to_pandas().equals(pure.to_pandas())
        assert res["knowledge_per_person"] is res["Knowledge per person"]
        assert res.n_runs is None and not res.is_ensemble
        with pytest.raises(ValueError):
            res["Knowledge"][0] = 1.0  # read-only, as pure results are


def test_models_without_stocks_or_changing_values():
    m = sd.Model("constants", stop=2, dt=0.5)
    m.constant("c", 4)
    m.aux("double", "2 * c")
    assert_same(m.run(method="euler-numba"), m.run(method="euler"), 0)
    params = {"c": np.array([1.0, 2.0])}
    assert_same(m.run(method="euler-numba", params=params), m.run(method="euler", params=params), 0)


def test_saveper_must_be_a_multiple_of_dt(models):
    with pytest.raises(sd.ParameterError, match="multiple of `dt`"):
        models["decay"].run(method="euler-numba", saveper=0.3)


# ------------------------------------------------------------------------------ ensembles
@pytest.mark.parametrize(("name", "method"), [("snippet", "rk4"), ("switches", "euler")])
def test_ensemble_rows_equal_single_runs(models, name, method):
    m = models[name]
    sweeps = {"snippet": ("memory time", np.linspace(6, 24, 300)), "switches": ("height", [0, 1, 2.5])}
    param, values = sweeps[name]
    ens = m.run(method=f"{method}-numba", params={param: np.asarray(values)})
    assert ens.n_runs == len(values)
    assert_same(ens, m.run(method=method, params={param: np.asarray(values)}))
    for i in (0, len(values) // 2, len(values) - 1):
        single = m.run(method=f"{method}-numba", params={param: float(values[i])})
        for var in single.names:
            np.testing.assert_array_equal(ens[var][i], single[var], err_msg=var)
    assert ens.params[param].tolist() == list(map(float, values))


def test_ensemble_with_stock_overrides_and_odd_run_counts(models):
    m = models["snippet"]
    for runs in (1, 129):  # one block, and a block and a bit
        params = {"Knowledge": np.linspace(5, 30, runs), "Staff": np.full(runs, 3.0)}
        assert_same(m.run(method="rk4-numba", params=params), m.run(method="rk4", params=params), 0)


# ------------------------------------------------------------------------------- failures
def test_unsupported_constructs_raise_a_clear_error():
    m = sd.Model("noisy", stop=5)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "NORMAL(0, 1, 7) + DELAY(S, 2)")
    with pytest.raises(sd.SolverError, match=r"in `f`.*does not compile random functions.*method=\"euler\""):
        m.run(method="euler-numba")
    m.flow("f", "DELAY(S, 2)")
    with pytest.raises(sd.SolverError, match="fixed DELAY"):
        m.run(method="rk4-numba")


def test_arrays_are_unsupported():
    m = sd.Model("arrays", stop=2)
    m.dimension("team", ["Ann", "Bo"])
    m.stock("K[team]", 1, inflows=["g[team]"])
    m.flow("g[team]", "K * 0.1")
    with pytest.raises(sd.SolverError, match=r"does not compile arrays.*method=\"euler\""):
        m.run(method="euler-numba")


def test_a_non_finite_value_is_reported_like_the_pure_solver():
    m = sd.Model("blow up", stop=5, dt=1)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "1 / (c - TIME)")  # a division by zero at t = c
    m.constant("c", 3)
    with pytest.raises(sd.NonFiniteValueError, match="time 3") as pure:
        m.run(method="euler")
    with pytest.raises(sd.NonFiniteValueError, match="time 3") as jit:
        m.run(method="euler-numba")
    assert str(jit.value) == str(pure.value)
    with pytest.raises(sd.NonFiniteValueError, match="time 2 in run 1"):
        m.run(method="euler-numba", params={"c": np.array([10.0, 2.0])})


def test_registration_needs_numba():
    found: dict = {}
    assert register_numba_solvers(found.__setitem__)
    assert set(found) == {"euler-numba", "rk4-numba"}
    assert {"euler-numba", "rk4-numba"} <= set(sd.solvers.available())
    with pytest.raises(sd.SolverError, match="only apply to adaptive solvers"):
        decay().run(method="euler-numba", rtol=1e-6)


# ------------------------------------------------------------------- helpers and source
def test_source_is_printed_from_our_tree_only():
    m = sd.Model("import os", stop=1)
    m.stock("exec open", 1, inflows=["eval this"])
    m.flow("eval this", "0.5 * exec_open")
    source = kernel_source(m.compile(), "rk4")
    assert not any(word in source for word in ("import", "exec", "open", "eval"))
    assert "v0 = _y0" in source


@pytest.mark.parametrize("kind", ["continuous", "extrapolate", "discrete"])
def test_lookup_helper_matches_runtime(kind):
    table = Lookup(GraphicalFunction("g", (0.0, 1.0, 2.5, 4.0), (1.0, -2.0, 3.0, 0.5), kind))
    xs, ys, slopes = (np.array(v, dtype=float) for v in (table.x, table.y, table.slopes))
    code = {"continuous": 0, "extrapolate": 1, "discrete": 2}[kind]
    lookup = _helpers()["_lookup"]
    for x in [-1.0, 0.0, 0.3, 1.0, 2.4999, 2.5, 3.9, 4.0, 7.5, math.nan]:
        got, want = lookup(xs, ys, slopes, code, x), table(x)
        assert got == want or (math.isnan(got) and math.isnan(want)), x


def test_scalar_helpers_match_runtime():
    jit = _helpers()  # compiled for floats, as the kernels call them
    grid = [i * 0.25 for i in range(-4, 48)]  # plain floats, as the pure-Python single runs use
    for t in grid:
        assert jit["_pulse"](t, 0.25, 2.0, 3.0, 0.0) == pulse(t, 0.25, 2.0, 3.0)
        assert jit["_pulse"](t, 0.25, 2.0, 3.0, 2.5) == pulse(t, 0.25, 2.0, 3.0, 2.5)
        assert jit["_ramp"](t, 2.0, 3.0, 8.0) == ramp(t, 2.0, 3.0, 8.0)
        assert jit["_round"](t / 2) == round_half_away(t / 2)
        assert jit["_sign"](t - 4) == sign(t - 4)
