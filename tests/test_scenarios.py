"""Scenarios, sweeps and Monte Carlo against closed forms and direct runs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sysdyn as sd
from sysdyn.showcase import team_knowledge


def decay():
    m = sd.Model("decay", stop=5, dt=0.5)
    m.stock("S", "S0", outflows=["out"])
    m.flow("out", "k * S")
    m.constant("k", 0.3)
    m.constant("S0", 100)
    m.aux("effect", "S", lookup=([0, 100], [0, 1]))
    return m


def test_scenarios_match_direct_runs_and_leave_the_base_alone():
    base = team_knowledge()
    before = base.definition
    s = sd.Scenarios(base, {"more": {"Staff": 8}, "forgetful": {"memory time": 3}})
    res = s.run(method="euler")
    for name, params in [("more", {"Staff": 8}), ("forgetful", {"memory time": 3})]:
        np.testing.assert_array_equal(
            res[name]["Knowledge"], base.run(method="euler", params=params)["Knowledge"]
        )
    assert base.definition == before
    table = res.table(["Knowledge", "Learning"], stats=["final", "max"])
    assert table.loc["more", ("Knowledge", "final")] == pytest.approx(res["more"].final("Knowledge"))
    axes = res.plot("Knowledge", "Learning")
    assert len(axes) == 2 and [ln.get_label() for ln in axes[0].get_lines()] == [
        "baseline",
        "more",
        "forgetful",
    ]


def test_scenario_lookup_override_builds_a_changed_copy():
    base = decay()
    res = sd.Scenarios(base, {"steeper": {"effect": ([0, 100], [0, 2])}}).run(method="euler")
    # effect is linear in S: doubling the table's y doubles it exactly
    np.testing.assert_allclose(res["steeper"]["effect"], 2 * res["baseline"]["effect"])
    with pytest.raises(sd.ParameterError, match="did you mean `Staff`"):
        sd.Scenarios(team_knowledge(), {"x": {"Stafff": 3}})
    with pytest.raises(sd.ParameterError, match="has no graphical function"):
        sd.Scenarios(team_knowledge(), {"x": {"Staff": ([0, 1], [0, 1])}}).run()


def test_sweep_is_full_factorial_and_matches_closed_form():
    # Euler on dS/dt = -k S gives S_n = S0 (1 - k dt)^n exactly
    k, s0 = np.array([0.1, 0.2, 0.4]), np.array([50.0, 100.0])
    sw = sd.sweep(decay(), {"k": k, "S0": s0}, method="euler", chunk_size=4, progress=False)
    assert sw.n_runs == 6 and sw.info["n_chunks"] == 2
    ds = sw.to_xarray()
    n = np.arange(11)
    expected = s0[None, :, None] * (1 - k[:, None, None] * 0.5) ** n
    np.testing.assert_allclose(ds["S"].values, expected, rtol=1e-12)
    assert list(sw.design.columns) == ["k", "S0"]
    with pytest.raises(sd.ParameterError, match="repeat a value"):
        sd.sweep(decay(), {"k": [0.1, 0.1]})


def test_monte_carlo_is_seeded_and_lhs_stratifies():
    dists = {"k": sd.dist.uniform(0.1, 0.5), "S0": stats.norm(100, 10)}
    a = sd.monte_carlo(decay(), dists, runs=300, rng=3, method="euler", progress=False)
    b = sd.monte_carlo(decay(), dists, runs=300, rng=3, method="euler", progress=False, chunk_size=64)
    np.testing.assert_array_equal(a["S"], b["S"])
    lhs = sd.monte_carlo(decay(), dists, runs=300, rng=3, sampling="lhs", method="euler", progress=False)
    strata = np.floor((lhs.design["k"].to_numpy() - 0.1) / 0.4 * 300)
    assert sorted(strata.tolist()) == list(range(300))
    # final value: S0 (1 - k dt)^10; its mean over the draws equals the mean of the closed form
    closed = a.design["S0"] * (1 - a.design["k"] * 0.5) ** 10
    np.testing.assert_allclose(a["S"][:, -1], closed, rtol=1e-12)
    summary = a.summary("S")
    assert summary.loc[5.0, "mean"] == pytest.approx(closed.mean())
    assert summary.loc[5.0, 0.5] == pytest.approx(np.median(closed))
    ax = a.plot_bands("S")
    assert len(ax.collections) == 2


def test_lognormal_has_the_mean_and_sd_asked_for():
    draws = sd.dist.lognormal(0.5, 0.2).sample(200_000, rng=0)
    # standard error of the mean is 0.2/sqrt(2e5) = 4.5e-4; 5e-3 is over 10 of them
    assert draws.mean() == pytest.approx(0.5, abs=5e-3)
    assert draws.std() == pytest.approx(0.2, abs=5e-3)
    assert set(np.unique(sd.dist.integers(2, 10).sample(1000, rng=1))) == set(range(2, 10))
