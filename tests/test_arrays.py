"""Arrays: dimensions, arrayed stocks/flows/auxiliaries, per-element equations, reductions.

Each arrayed model is checked against a closed form or against the same model written out
element by element as scalar variables (which must agree to rounding: the arithmetic is the same).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysdyn as sd

TEAM = ["Ann", "Bo", "Cy"]
METHOD_TOL = {"euler": None, "rk4": 1e-6, "RK45": 1e-5, "DOP853": 1e-7, "LSODA": 1e-5, "Radau": 1e-5}


def decay_model() -> sd.Model:
    m = sd.Model("arrayed decay", stop=4, dt=0.125)
    m.dimension("team", TEAM)
    m.stock("K[team]", initial=[10, 20, 30], outflows=["Forgetting[team]"])
    m.flow("Forgetting[team]", "K / memory")
    m.constant("memory[team]", {"Ann": 2, "Bo": 4, "Cy": 8})
    return m


@pytest.mark.parametrize("method", [k for k in METHOD_TOL if k != "euler"])
def test_arrayed_decay_matches_closed_form(method):
    res = decay_model().run(method=method, rtol=1e-9, atol=1e-9) if method not in ("rk4",) else None
    if res is None:
        res = decay_model().run(method=method)
    t = res.time[:, None]
    exact = np.array([10.0, 20.0, 30.0]) * np.exp(-t / np.array([2.0, 4.0, 8.0]))
    # rk4 at dt=1/8 has a global error of order (dt/tau)^4 ~ 1e-5 relative; adaptive runs follow rtol
    assert res["K"].shape == (len(res.time), 3)
    np.testing.assert_allclose(res["K"], exact, rtol=METHOD_TOL[method])


def test_arrayed_euler_is_the_exact_recurrence():
    res = decay_model().run(method="euler")
    n = np.arange(len(res.time))[:, None]
    exact = np.array([10.0, 20.0, 30.0]) * (1 - 0.125 / np.array([2.0, 4.0, 8.0])) ** n
    np.testing.assert_allclose(res["K"], exact, rtol=1e-12)


def scalar_twin() -> sd.Model:
    """The model of `coupled_model` written out element by element."""
    m = sd.Model("twin", stop=6, dt=0.25)
    rates, caps = [0.1, 0.2, 0.3], [50.0, 60.0, 70.0]
    for i, who in enumerate(TEAM):
        m.stock(f"K {who}", initial=i + 1, inflows=[f"L {who}"], outflows=[f"F {who}"])
        m.flow(f"L {who}", f"{rates[i]} * K_{who} * (1 - K_{who} / {caps[i]}) + share * (mean - K_{who})")
        m.flow(f"F {who}", f"K_{who} / 12")
    m.aux("mean", "(K_Ann + K_Bo + K_Cy) / 3")
    m.constant("share", 0.05)
    return m


def coupled_model() -> sd.Model:
    m = sd.Model("coupled", stop=6, dt=0.25)
    m.dimension("team", TEAM)
    m.stock("K[team]", initial="team", inflows=["L[team]"], outflows=["F[team]"])
    m.flow("L[team]", "rate * K * (1 - K / cap[team]) + share * (MEAN(K[*]) - K)")
    m.flow("F[team]", "K / 12")
    m.constant("rate[team]", [0.1, 0.2, 0.3])
    m.constant("cap[team]", [50, 60, 70])
    m.constant("share", 0.05)
    m.aux("total", "SUM(K[*])")
    return m


@pytest.mark.parametrize("method", ["euler", "rk4", "RK45"])
def test_arrayed_model_equals_its_scalar_twin(method):
    arr, twin = coupled_model().run(method=method), scalar_twin().run(method=method)
    for i, who in enumerate(TEAM):
        np.testing.assert_allclose(arr["K"][:, i], twin[f"K {who}"], rtol=1e-12 if method != "RK45" else 1e-9)
        np.testing.assert_allclose(arr[f"K[{who}]"], twin[f"K {who}"], rtol=1e-9)
    np.testing.assert_allclose(arr["total"], arr["K"].sum(axis=1), rtol=1e-12)


def test_reductions_agree_with_numpy():
    m = coupled_model()
    for func in ("SUM", "MEAN", "STDDEV", "PROD", "MIN", "MAX"):
        m.aux(f"r {func}", f"{func}(K[*])")
    m.aux("n", "SIZE(K[*])")
    res = m.run(method="euler")
    for func, reference in [
        ("SUM", np.sum),
        ("MEAN", np.mean),
        ("STDDEV", np.std),
        ("PROD", np.prod),
        ("MIN", np.min),
        ("MAX", np.max),
    ]:
        np.testing.assert_allclose(res[f"r {func}"], reference(res["K"], axis=1), rtol=1e-12)
    assert np.all(res["n"] == 3)


def test_two_dimensions_transposition_selection_and_positions():
    m = sd.Model("grid", stop=1, dt=1)
    m.dimension("team", TEAM)
    m.dimension("skill", ["coding", "coaching"])
    m.constant("base[team]", [1, 2, 3])
    m.constant("weight[skill]", [10, 100])
    m.aux("grid[team, skill]", "base * weight")
    m.aux("flipped[skill, team]", "grid")
    m.aux("per skill[skill]", "SUM(grid[*, skill])")
    m.aux("per team[team]", "MAX(grid[team, *])")
    m.aux("picked", "grid[Bo, coaching] + grid[1, 1]")
    m.aux("position[team]", "team")
    res = m.run(method="euler")
    grid = np.outer([1, 2, 3], [10, 100])
    np.testing.assert_array_equal(res["grid"][0], grid)
    np.testing.assert_array_equal(res["flipped"][0], grid.T)
    np.testing.assert_array_equal(res["per skill"][0], grid.sum(axis=0))
    np.testing.assert_array_equal(res["per team"][0], grid.max(axis=1))
    assert res["picked"][0] == 200 + 10
    np.testing.assert_array_equal(res["position"][0], [1, 2, 3])
    assert res["grid[Cy, coaching]"][0] == 300


def test_per_element_equations_with_a_default():
    m = sd.Model("m", stop=2, dt=1)
    m.dimension("team", TEAM)
    m.stock("S[team]", initial={"Ann": 5, "Bo": "2 * k", "Cy": 0}, inflows=["f[team]"])
    m.flow("f[team]", {"Ann": "1", "Bo": "S[Ann]", "Cy": "TIME"})
    m.constant("k", 3)
    res = m.run(method="euler")
    np.testing.assert_array_equal(res["S"][0], [5, 6, 0])
    np.testing.assert_array_equal(res["S"][1], [6, 11, 0])
    np.testing.assert_array_equal(res["S"][2], [7, 17, 1])


@pytest.mark.parametrize("method", ["euler", "RK45"])
def test_ensemble_rows_equal_single_runs_with_arrayed_parameters(method):
    m = coupled_model()
    rates = np.array([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0.5, 0.5, 0.5]])
    ens = m.run(method=method, params={"rate": rates, "share": np.array([0.0, 0.05, 0.1])})
    assert ens["K"].shape == (3, 25, 3)
    for r in range(3):
        one = m.run(method=method, params={"rate": rates[r], "share": [0.0, 0.05, 0.1][r]})
        np.testing.assert_allclose(ens["K"][r], one["K"], rtol=1e-12 if method == "euler" else 1e-6)


def test_smooth_and_material_delay_per_element():
    m = sd.Model("m", stop=10, dt=1 / 64)
    m.dimension("team", 2)
    m.aux("input[team]", "STEP(team, 1)")
    m.aux("smooth[team]", "SMTH1(input, avg)")
    m.constant("avg[team]", [1, 3])
    m.aux("delayed[team]", "DELAY1(input, avg)")
    res = m.run(method="RK45", rtol=1e-10, atol=1e-12)
    t = res.time[:, None]
    exact = np.where(t >= 1, np.array([1.0, 2.0]) * (1 - np.exp(-(t - 1) / np.array([1.0, 3.0]))), 0.0)
    # SciPy runs integrate DT segment by segment with the step switched at t=1 exactly, so only rtol remains
    np.testing.assert_allclose(res["smooth"], exact, atol=1e-8)
    np.testing.assert_allclose(res["delayed"], exact, atol=1e-8)  # first-order delay = first-order smooth


def test_random_draws_are_independent_per_element_and_reproducible():
    m = sd.Model("noise", stop=200, dt=1)
    m.dimension("team", 4)
    m.aux("noise[team]", "NORMAL(0, 1)")
    a, b = m.run(method="euler", seed=7), m.run(method="euler", seed=7)
    np.testing.assert_array_equal(a["noise"], b["noise"])
    corr = np.corrcoef(a["noise"].T)
    off = corr[~np.eye(4, dtype=bool)]
    # 201 draws: the correlation of independent series has standard error ~0.07
    assert np.all(np.abs(off) < 0.3)
    assert abs(a["noise"].std() - 1) < 0.1


def test_non_negative_arrayed_stock():
    m = sd.Model("m", stop=10, dt=0.5)
    m.dimension("team", 3)
    m.stock("S[team]", initial=[1, 5, 30], outflows=["drain[team]"], non_negative=True)
    m.flow("drain[team]", "2")
    res = m.run(method="euler")
    assert res["S"].min() >= 0
    np.testing.assert_allclose(res["S"][-1], [0, 0, 10])


def test_nonfinite_value_names_the_element():
    m = sd.Model("m", stop=3, dt=1)
    m.dimension("team", ["Ann", "Bo"])
    m.stock("K[team]", 1, inflows=["f[team]"])
    m.flow("f[team]", "LN(K - c)")
    m.constant("c[team]", [0, 1.5])
    for method in ("euler", "RK45"):
        with pytest.raises(sd.NonFiniteValueError, match=r"`f\[Bo\]` is not finite .* at time 0"):
            m.run(method=method)
    with pytest.raises(sd.NonFiniteValueError, match=r"`f\[Bo\]` .* in run 1"):
        m.run(method="euler", params={"c": np.array([[0, 0], [0, 1.5]])})


# ----------------------------------------------------------------------------- errors
def base() -> sd.Model:
    m = sd.Model("m", stop=1)
    m.dimension("team", TEAM)
    m.constant("k[team]", 1)
    return m


@pytest.mark.parametrize(
    ("name", "equation", "match"),
    [
        ("a", "k", r"uses dimension `team` but `a` is not arrayed"),
        ("a", "k[*]", r"only allowed inside SUM"),
        ("a", "k[Anne]", r"neither an element of `team`.*did you mean `Ann`"),
        ("a", "k[4]", r"element number 4 .* outside `team` \(1 to 3\)"),
        ("a", "k[Ann, Bo]", r"has 1 dimension\(s\) \[team\] but the subscript gives 2"),
        # in `a[team]`, `k` is one element of k (the same element): there is nothing to sum
        ("a[team]", "SUM(k)", r"SUM of one value needs an array argument"),
    ],
)
def test_array_errors(name, equation, match):
    m = base()
    m.aux(name, equation)
    with pytest.raises(sd.DimensionError, match=match):
        m.compile()


def test_unknown_dimension_suggests_the_closest():
    m = base()
    m.aux("a[teem]", "1")
    with pytest.raises(sd.DimensionError, match="unknown dimension `teem`; did you mean `team`"):
        m.compile()


def test_flow_and_stock_dimensions_must_agree():
    m = base()
    m.stock("S[team]", 0, inflows=["f"])
    m.flow("f", "1")
    with pytest.raises(
        sd.DimensionError, match="the inflow `f` has no dimensions but the stock has \\[team\\]"
    ):
        m.compile()


def test_missing_element_equation():
    m = base()
    m.aux("a[team]", {"Ann": "1", "Bo": "2"})
    with pytest.raises(sd.MissingInitialValueError, match=r"element \[Cy\] has no equation"):
        m.compile()


def test_wrong_shape_of_arrayed_parameter():
    with pytest.raises(sd.ParameterError, match=r"shape \(2,\), but its dimensions give \(3,\)"):
        base().run(method="euler", params={"k": np.array([1.0, 2.0])})


# ----------------------------------------------------------------------------- property
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    method=st.sampled_from(["euler", "rk4", "RK45"]),
)
def test_transfers_between_elements_conserve_the_total(n, seed, method):
    """Knowledge passed between team members along a random matrix: the team total never changes."""
    rng = np.random.default_rng(seed)
    m = sd.Model("transfer", stop=5, dt=0.25)
    m.dimension("team", n)
    m.dimension("peer", n)
    m.constant("w[team, peer]", rng.uniform(0, 1, (n, n)))
    m.stock("K[team]", initial=rng.uniform(0, 10, n), inflows=["gain[team]"], outflows=["loss[team]"])
    m.aux("Kp[peer]", "K[peer]")
    m.flow("gain[team]", "SUM(w[team, *] * Kp[*]) * 0.01")
    m.flow("loss[team]", "SUM(w[*, team]) * K * 0.01")
    res = m.run(method=method)
    total = res["K"].sum(axis=1)
    np.testing.assert_allclose(total, total[0], rtol=1e-9)
