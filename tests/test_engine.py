"""Closed-form checks of the core engine under every solver, and ensemble/single agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sysdyn as sd

ADAPTIVE = ["RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA"]


def decay_model(k=0.3, s0=100.0, stop=10.0, dt=0.125):
    m = sd.Model("decay", stop=stop, dt=dt)
    m.stock("S", s0, outflows=["out"])
    m.flow("out", "k * S")
    m.constant("k", k)
    return m


def logistic_model(r=0.8, cap=100.0, s0=1.0, stop=20.0, dt=0.0625):
    m = sd.Model("logistic", stop=stop, dt=dt)
    m.stock("P", s0, inflows=["growth"])
    m.flow("growth", "r * P * (1 - P / K)")
    m.constant("r", r)
    m.constant("K", cap)
    return m


def snippet_model():
    m = sd.Model("Team knowledge", start=0, stop=50, dt=0.25, time_units="months")
    m.stock("Knowledge", initial=10, inflows=["Learning"], outflows=["Forgetting"])
    m.flow("Learning", "learning_rate * Staff * (1 - Knowledge / Capacity)")
    m.flow("Forgetting", "Knowledge / memory_time")
    m.constant("learning rate", 0.5)
    m.constant("Staff", 4)
    m.constant("Capacity", 100)
    m.constant("memory time", 12)
    m.aux("Knowledge per person", "Knowledge / Staff")
    return m


def test_euler_matches_exact_recurrence():
    k, s0, dt = 0.3, 100.0, 0.125
    res = decay_model(k, s0, dt=dt).run(method="euler")
    n = np.arange(len(res.time))
    np.testing.assert_allclose(res["S"], s0 * (1 - k * dt) ** n, rtol=1e-12, atol=0)
    np.testing.assert_allclose(res.time, dt * n, rtol=0, atol=1e-12)


def test_euler_is_first_order():
    errors = []
    for dt in (0.1, 0.05):
        res = decay_model(dt=dt).run(method="euler")
        errors.append(abs(res["S"][-1] - 100 * math.exp(-0.3 * 10)))
    # halving dt halves the global error of a first-order method (ratio 2 up to O(dt) terms)
    assert 1.9 < errors[0] / errors[1] < 2.1


def test_rk4_is_fourth_order():
    errors = []
    for dt in (0.25, 0.125):
        res = decay_model(dt=dt).run(method="rk4")
        errors.append(abs(res["S"][-1] - 100 * math.exp(-0.3 * 10)))
    assert 15.5 < errors[0] / errors[1] < 17  # 2**4 = 16, up to O(dt) terms (16.5 measured)


@pytest.mark.parametrize("method", ADAPTIVE)
def test_adaptive_solvers_match_exponential_decay(method):
    res = decay_model().run(method=method, rtol=1e-10, atol=1e-10)
    exact = 100 * np.exp(-0.3 * res.time)
    # rtol=1e-10 bounds the local error; the global error of a stable decay stays within ~100x of it
    np.testing.assert_allclose(res["S"], exact, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("method", [*ADAPTIVE, "rk4"])
def test_logistic_growth(method):
    r, cap, s0 = 0.8, 100.0, 1.0
    options = {} if method == "rk4" else {"rtol": 1e-10, "atol": 1e-10}
    res = logistic_model(r, cap, s0).run(method=method, **options)
    exact = cap / (1 + (cap / s0 - 1) * np.exp(-r * res.time))
    # RK4 at dt=1/16: local error ~ (r dt)^5 K / 120, global about 1e-6 relative
    np.testing.assert_allclose(res["P"], exact, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", ["euler", "rk4", *ADAPTIVE])
def test_linear_oscillator(method):
    m = sd.Model("oscillator", stop=2 * math.pi, dt=math.pi / 1000)
    m.stock("x", 1, inflows=["vx"])
    m.stock("v", 0, inflows=["ax"])
    m.flow("vx", "v")
    m.flow("ax", "-x")
    options = {} if method in ("euler", "rk4") else {"rtol": 1e-10, "atol": 1e-10}
    res = m.run(method=method, **options)
    # Euler's amplitude grows like (1 + dt^2)^(n/2): about pi*dt = 1e-2 over one period
    tol = 2e-2 if method == "euler" else 1e-7
    np.testing.assert_allclose(res["x"], np.cos(res.time), atol=tol)
    np.testing.assert_allclose(res["v"], -np.sin(res.time), atol=tol)


def test_snippet_runs_and_is_saved_every_dt():
    m = snippet_model()
    res = m.run()
    assert len(res.time) == 201
    eu = m.run(method="euler")
    tight = m.run(method="RK45", rtol=1e-10, atol=1e-10)
    # dK/dt = 2 - K (2/100 + 1/12): a linear ODE with a closed form
    a, b = 2.0, 2 / 100 + 1 / 12
    exact = a / b + (10 - a / b) * np.exp(-b * tight.time)
    np.testing.assert_allclose(tight["Knowledge"], exact, rtol=1e-8)
    np.testing.assert_allclose(eu["Knowledge"], exact, rtol=2e-2)
    np.testing.assert_allclose(res["Knowledge per person"], res["Knowledge"] / 4)
    np.testing.assert_allclose(res["learning_rate"], 0.5)


def test_ensemble_rows_equal_single_runs_euler():
    m = snippet_model()
    values = np.linspace(6, 24, 7)
    ens = m.run(method="euler", params={"memory time": values})
    assert ens["Knowledge"].shape == (7, 201)
    for i, v in enumerate(values):
        single = m.run(method="euler", params={"memory time": v})
        np.testing.assert_allclose(ens["Knowledge"][i], single["Knowledge"], rtol=1e-13, atol=0)
        np.testing.assert_allclose(ens["Forgetting"][i], single["Forgetting"], rtol=1e-13, atol=0)


def test_ensemble_rows_match_single_runs_rk45_within_tolerance():
    m = snippet_model()
    values = np.array([6.0, 12.0, 24.0])
    ens = m.run(method="RK45", params={"memory time": values}, rtol=1e-9, atol=1e-9)
    for i, v in enumerate(values):
        single = m.run(method="RK45", params={"memory time": v}, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ens["Knowledge"][i], single["Knowledge"], rtol=1e-6)


def test_stock_initial_value_override_and_running_does_not_change_model():
    m = decay_model()
    before = m.definition
    res = m.run(method="euler", params={"S": 50})
    assert res["S"][0] == 50
    assert m.definition == before
    assert m.run(method="euler")["S"][0] == 100


@pytest.mark.parametrize("method", ["RK45", "DOP853", "LSODA", "rk4"])
def test_pulse_is_not_stepped_over(method):
    m = sd.Model("pulse", stop=30, dt=0.25)
    m.stock("S", 0, inflows=["inflow"])
    m.flow("inflow", "PULSE(5, 10)")
    euler = m.run(method="euler")
    other = m.run(method=method)
    assert euler["S"][-1] == pytest.approx(5.0, rel=1e-12)
    assert other["S"][-1] == pytest.approx(euler["S"][-1], rel=1e-9)


def test_step_and_ramp():
    m = sd.Model("inputs", stop=10, dt=0.5)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "STEP(2, 4)")
    m.aux("r", "RAMP(1, 2, 6)")
    res = m.run(method="euler")
    t = res.time
    np.testing.assert_allclose(res["f"], np.where(t >= 4, 2.0, 0.0))
    np.testing.assert_allclose(res["r"], np.clip(t - 2, 0, 4))
    np.testing.assert_allclose(m.run(method="RK45")["S"][-1], 12.0, rtol=1e-9)


def test_builtin_math():
    m = sd.Model("math", stop=1, dt=1)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    cases = {
        "ABS(-2)": 2,
        "EXP(1)": math.e,
        "LN(EXP(2))": 2,
        "LOG10(1000)": 3,
        "SQRT(16)": 4,
        "SIN(PI/2)": 1,
        "COS(0)": 1,
        "TAN(0)": 0,
        "ARCSIN(1)": math.pi / 2,
        "ARCCOS(1)": 0,
        "ARCTAN(1)": math.pi / 4,
        "INT(2.7)": 2,
        "INT(-2.5)": -3,
        "MIN(3, 1, 2)": 1,
        "MAX(3, 5)": 5,
        "MODULO(7, 3)": 1,
        "7 MOD 3": 1,
        "SAFEDIV(1, 0)": 0,
        "SAFEDIV(1, 0, 9)": 9,
        "2^3": 8,
        "-2^2": -4,
        "IF 1 > 2 THEN 5 ELSE 6": 6,
        "IF_THEN_ELSE(1 < 2, 5, 6)": 5,
        "(1 = 1) AND (2 <> 2)": 0,
        "NOT 0": 1,
        "1 OR 0": 1,
        "DT": 1,
        "STARTTIME": 0,
        "STOPTIME": 1,
        "TIME": 0,
    }
    for i, eq in enumerate(cases):
        m.aux(f"c{i}", eq)
    for method in ("euler", "RK45"):
        res = m.run(method=method)
        for i, (eq, expected) in enumerate(cases.items()):
            assert res[f"c{i}"][0] == pytest.approx(expected, abs=1e-12), eq
    ens = m.run(method="euler", params={"S": [0.0, 1.0]})
    for i, (eq, expected) in enumerate(cases.items()):
        np.testing.assert_allclose(ens[f"c{i}"][:, 0], expected, atol=1e-12, err_msg=eq)


def test_lookups():
    m = sd.Model("lookups", stop=4, dt=1)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "1")
    m.lookup("cont", [0, 2], [0, 10])
    m.lookup("extra", [0, 2], [0, 10], kind="extrapolate")
    m.lookup("disc", [0, 1, 2], [5, 6, 7], kind="discrete")
    m.aux("a", "cont(S * 0.5 + 0.5)")
    m.aux("b", "extra(S)")
    m.aux("c", "LOOKUP(disc, S - 0.5)")
    m.aux("g", "S", lookup=([0, 4], [1, 0]))
    for run in (m.run(method="euler"), m.run(method="euler", params={"S": [0.0, 0.0]})):
        a, b, c, g = (np.asarray(run[n]).reshape(-1, 5)[0] for n in "abcg")
        np.testing.assert_allclose(a, [2.5, 5, 7.5, 10, 10])
        np.testing.assert_allclose(b, [0, 5, 10, 15, 20])
        np.testing.assert_allclose(c, [5, 5, 6, 7, 7])
        np.testing.assert_allclose(g, [1, 0.75, 0.5, 0.25, 0])


@pytest.mark.parametrize("method", ["euler", "RK45"])
def test_smooth_and_delay_functions_are_real_stocks(method):
    m = sd.Model("smooth", stop=40, dt=0.03125)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.aux("input", "STEP(1, 0)")
    m.aux("s1", "SMTH1(input, 2, 0)")
    m.aux("s3", "SMTH3(input, 3, 0)")
    m.aux("sn", "SMTHN(input, 3, 3, 0)")
    m.aux("d1", "DELAY1(input, 2, 0)")
    m.aux("d3", "DELAY3(input, 3, 0)")
    m.aux("i", "INIT(TIME + 7)")
    res = m.run(method=method)
    t = res.time
    tol = 2e-2 if method == "euler" else 1e-5
    np.testing.assert_allclose(res["s1"], 1 - np.exp(-t / 2), atol=tol)
    np.testing.assert_allclose(res["d1"], 1 - np.exp(-t / 2), atol=tol)
    erlang3 = 1 - np.exp(-t) * (1 + t + t**2 / 2)  # 3 stages of time 1
    np.testing.assert_allclose(res["s3"], erlang3, atol=tol)
    np.testing.assert_allclose(res["sn"], erlang3, atol=tol)
    np.testing.assert_allclose(res["d3"], erlang3, atol=tol)
    np.testing.assert_allclose(res["i"], 7.0)


def test_trend_of_exponential_growth():
    m = sd.Model("trend", stop=30, dt=0.0625)
    m.stock("X", 1, inflows=["g"])
    m.flow("g", "0.05 * X")
    m.aux("tr", "TREND(X, 2, 0.05)")
    res = m.run(method="RK45", rtol=1e-9, atol=1e-12)
    # initialised in steady state, TREND of exponential growth at rate g with averaging time T is
    # g / (1 + g T) ... measured as (X - A) / (A T) = g exactly when A lags X by the steady ratio
    np.testing.assert_allclose(res["tr"], 0.05, rtol=1e-5)


def test_non_negative_stock_and_uniflow():
    m = sd.Model("nonneg", stop=10, dt=0.5)
    m.stock("Trust", 3, inflows=["build"], outflows=["erode"], non_negative=True)
    m.flow("build", "-1", non_negative=True)
    m.flow("erode", "2")
    res = m.run(method="euler")
    assert res["build"].min() == 0.0
    assert res["Trust"].min() >= 0.0
    np.testing.assert_allclose(res["Trust"][:5], [3, 2, 1, 0, 0])
    # the flow reports its equation's value; only what it drains from the stock is cut back
    # (tests/test_builtins_semantics.py checks where the drained amount goes)
    np.testing.assert_allclose(res["erode"][:5], [2, 2, 2, 2, 2])


def test_conservation_stock_changes_only_by_its_flows():
    m = snippet_model()
    res = m.run(method="euler")
    net = res["Learning"] - res["Forgetting"]
    np.testing.assert_allclose(np.diff(res["Knowledge"]), 0.25 * net[:-1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["euler", "rk4", "RK45"])
def test_fixed_delay_is_a_pipeline(method):
    m = sd.Model("pipeline", stop=12, dt=0.5)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.aux("x", "TIME * 2")
    m.aux("late", "DELAY(x, 3)")
    m.aux("late init", "DELAY(x, 3, -1)")
    res = m.run(method=method)
    t = res.time
    np.testing.assert_allclose(res["late"], np.where(t >= 3, 2 * (t - 3), 0.0), atol=1e-9)
    np.testing.assert_allclose(res["late init"], np.where(t >= 3, 2 * (t - 3), -1.0), atol=1e-9)


def test_fixed_delay_in_ensembles_with_per_run_delay_times():
    m = sd.Model("pipeline", stop=10, dt=1)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.constant("lag", 2)
    m.aux("late", "DELAY(TIME, lag, -1)")
    ens = m.run(method="euler", params={"lag": [2.0, 4.0]})
    for i, lag in enumerate((2.0, 4.0)):
        single = m.run(method="euler", params={"lag": lag})
        np.testing.assert_allclose(ens["late"][i], single["late"])
        np.testing.assert_allclose(single["late"], np.where(single.time >= lag, single.time - lag, -1.0))


def test_random_functions_are_seeded_and_held_for_one_dt():
    m = sd.Model("noise", stop=200, dt=0.5)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "u")
    m.aux("u", "RANDOM(2, 4)")
    m.aux("n", "NORMAL(10, 2)")
    m.aux("ln", "LOGNORMAL(3, 1)")
    m.aux("e", "EXPRND(5)")
    m.aux("tri", "TRIANGULAR(0, 1, 4)")
    m.aux("po", "POISSON(3)")
    a = m.run(method="euler", seed=7)
    b = m.run(method="euler", seed=7)
    c = m.run(method="euler", seed=8)
    np.testing.assert_array_equal(a["u"], b["u"])
    assert not np.array_equal(a["u"], c["u"])
    n = len(a.time)
    # sample moments within 5 standard errors of the distributions' moments
    for name, mean, sd_ in (
        ("u", 3, (2 / 12) ** 0.5 * 2**0.5),
        ("n", 10, 2),
        ("ln", 3, 1),
        ("e", 5, 5),
        ("tri", 5 / 3, (1 + 16 + 0 - 4 - 0 - 0) ** 0.5 / 18**0.5),
        ("po", 3, 3**0.5),
    ):
        assert abs(a[name].mean() - mean) < 5 * sd_ / n**0.5, name
    assert a["u"].min() >= 2 and a["u"].max() < 4 and a["po"].min() >= 0
    # the stock integrates the held draws exactly under Euler and under RK45 (draws are constant within a DT)
    rk = m.run(method="RK45", seed=7)
    np.testing.assert_allclose(rk["u"], a["u"])
    np.testing.assert_allclose(rk["S"], a["S"], rtol=1e-9)


def test_random_ensemble_run_zero_equals_single_run_with_same_seed():
    m = sd.Model("noise", stop=5, dt=1)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "NORMAL(0, 1) * k")
    m.constant("k", 1)
    single = m.run(method="euler", seed=3)
    ens = m.run(method="euler", seed=3, params={"k": [1.0, 1.0]})
    np.testing.assert_allclose(ens["f"][0], single["f"])
    assert not np.allclose(ens["f"][1], ens["f"][0])


def test_adaptive_run_with_switches_and_coarse_save_grid():
    m = sd.Model("pulse", stop=20, dt=0.25, saveper=2)
    m.stock("S", 0, inflows=["inflow"], outflows=["drain"])
    m.flow("inflow", "PULSE(5, 10.25) + STEP(1, 3)")
    m.flow("drain", "0.1 * S")
    rk = m.run(method="RK45", rtol=1e-10, atol=1e-10)
    t = rk.time
    np.testing.assert_allclose(t, np.arange(0, 21, 2.0))
    # closed form: the step's response, plus the pulse (height 5/DT over [10.25, 10.5)) decaying after it
    step = np.where(t >= 3, 10 * (1 - np.exp(-0.1 * (t - 3))), 0.0)
    pulse = np.where(t >= 10.5, 200 * (1 - np.exp(-0.1 * 0.25)) * np.exp(-0.1 * (t - 10.5)), 0.0)
    np.testing.assert_allclose(rk["S"], step + pulse, rtol=1e-7, atol=1e-9)
