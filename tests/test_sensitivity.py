"""Sobol and Morris sensitivity analysis (``sd.sensitivity``) against known answers.

Every model here is tiny and run with Euler over a few steps, so the
estimators, not the simulations, take the time.

Tolerances: SALib reports each index with the half-width of its bootstrap
interval (``*_conf``).  The bootstrap treats the runs as independent draws;
the scrambled Sobol design converges faster than that, so the intervals are
conservative (on the Ishigami function at n = 1024 the errors were at most a
quarter of the half-width over three seeds).  The Sobol tests therefore ask
that the 95% interval contain the analytic value *and* be narrow enough
for the check to mean something.  Morris effects of a linear term are exact
for any design; for a quadratic term the bound is stated in the test.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from scipy import stats

import sysdyn as sd
from sysdyn.scenarios import peak, time_to
from sysdyn.showcase import team_knowledge

SALib = pytest.importorskip("SALib")

PI = math.pi

# Ishigami function y = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi), a = 7, b = 0.1
# (Ishigami and Homma 1990; indices in Saltelli et al., Global Sensitivity Analysis: The Primer,
# 2008, and in SALib's own test suite).
_A, _B = 7.0, 0.1
_V1 = 0.5 * (1 + _B * PI**4 / 5) ** 2
_V2 = _A**2 / 8
_V13 = _B**2 * PI**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_S1 = np.array([_V1 / _V, _V2 / _V, 0.0])  # 0.3139, 0.4424, 0
ISHIGAMI_ST = np.array([(_V1 + _V13) / _V, _V2 / _V, _V13 / _V])  # 0.5576, 0.4424, 0.2437


def ishigami() -> sd.Model:
    m = sd.Model("Ishigami", stop=1, dt=1, method="euler")
    for x in ("x1", "x2", "x3"):
        m.constant(x, 0)
    m.aux("y", "SIN(x1) + 7 * SIN(x2)^2 + 0.1 * x3^4 * SIN(x1)")
    return m


def linear() -> sd.Model:
    m = sd.Model("Linear", stop=1, dt=1, method="euler")
    m.constant("x1", 0)
    m.constant("x2", 0)
    m.aux("y", "3 * x1 + x2")
    return m


def tank() -> sd.Model:
    """Level(4) = 4 a + 0.4 b + c^2 with Euler (dt = 1, constant inflow); `d` feeds nothing the level sees."""
    m = sd.Model("Tank", stop=4, dt=1, method="euler")
    m.stock("Level", 0, inflows=["Filling"])
    m.flow("Filling", "a + 0.1 * b + c^2 / 4")
    for name in ("a", "b", "c", "d"):
        m.constant(name, 0.5)
    m.aux("Unused", "2 * d")
    return m


def ramp() -> sd.Model:
    """Level = rate * t (exact under Euler) and Wave = height * sin(pi t / 10), saved every 1."""
    m = sd.Model("Ramp", stop=10, dt=1, method="euler")
    m.stock("Level", 0, inflows=["Rising"])
    m.flow("Rising", "rate")
    m.constant("rate", 2)
    m.constant("height", 1)
    m.aux("Wave", "height * SIN(PI * TIME / 10)")
    return m


def test_sobol_indices_of_the_ishigami_function():
    bounds = {x: (-PI, PI) for x in ("x1", "x2", "x3")}
    sens = sd.sensitivity(ishigami(), bounds, method="sobol", n=1024, outputs="y", rng=1, progress=False)
    df = sens["y"]
    assert sens.n_runs == 1024 * (3 + 2)  # Saltelli without second order: N (D + 2)
    assert list(df.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert list(df.index) == ["x1", "x2", "x3"]
    assert (df[["S1_conf", "ST_conf"]] > 0).all().all()
    # the 95% bootstrap intervals contain the analytic indices...
    assert (np.abs(df["S1"] - ISHIGAMI_S1) <= df["S1_conf"]).all(), df
    assert (np.abs(df["ST"] - ISHIGAMI_ST) <= df["ST_conf"]).all(), df
    # ...and are narrow enough to tell the indices apart (half-widths measured: 0.03 to 0.09)
    assert (df[["S1_conf", "ST_conf"]] < 0.1).all().all(), df
    assert sens.ranking().tolist() == ["x1", "x2", "x3"]


def test_second_order_sobol_index_of_the_ishigami_function():
    # S13 = V13 / V = 0.2437 is the only interaction; S12 = S23 = 0.
    bounds = {x: (-PI, PI) for x in ("x1", "x2", "x3")}
    sens = sd.sensitivity(ishigami(), bounds, n=1024, outputs="y", rng=1, second_order=True, progress=False)
    assert sens.n_runs == 1024 * (2 * 3 + 2)  # N (2D + 2)
    s2 = sens.second_order()
    expected = {("x1", "x2"): 0.0, ("x1", "x3"): _V13 / _V, ("x2", "x3"): 0.0}
    for pair, value in expected.items():
        est, conf = s2.loc[pair, "S2"], s2.loc[pair, "S2_conf"]
        assert abs(est - value) <= conf < 0.15, (pair, est, conf)


def test_sobol_indices_of_a_linear_model_with_a_distribution():
    # y = 3 x1 + x2, x1 ~ U(0, 1), x2 ~ N(0, 0.5): variances 9/12 and 1/4, so S = ST = (0.75, 0.25).
    for x2 in (sd.dist.normal(0, 0.5), stats.norm(0, 0.5)):
        sens = sd.sensitivity(linear(), {"x1": (0, 1), "x2": x2}, n=1024, outputs="y", rng=3, progress=False)
        df = sens["y"]
        for col in ("S1", "ST"):
            assert (np.abs(df[col] - [0.75, 0.25]) <= df[f"{col}_conf"]).all(), df
            assert (df[f"{col}_conf"] < 0.08).all(), df
        assert sens.distributions["x1"] == "uniform(0, 1)"


def test_morris_finds_the_dominant_and_the_inert_parameter():
    sens = sd.sensitivity(
        tank(),
        {"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 10)},
        method="morris",
        n=40,
        outputs="Level",
        rng=4,
        progress=False,
    )
    df = sens["Level"]
    assert sens.n_runs == 40 * (4 + 1)
    assert list(df.columns) == ["mu", "mu_star", "sigma", "mu_star_conf"]
    # linear terms: every elementary effect is the slope times the range, whatever the design
    assert df.loc["a", "mu_star"] == pytest.approx(4.0, abs=1e-9)
    assert df.loc["b", "mu_star"] == pytest.approx(0.4, abs=1e-9)
    assert df.loc[["a", "b"], "sigma"].to_numpy() == pytest.approx([0, 0], abs=1e-9)
    # no effect at all
    assert df.loc["d", ["mu", "mu_star", "sigma", "mu_star_conf"]].to_numpy() == pytest.approx(
        [0] * 4, abs=1e-12
    )
    # c^2 on 4 levels: a step goes from 0 or 1/3 (equally likely) up by 2/3, so |EE| is 2/3 or 4/3:
    # mu_star = 1 and the effects' standard deviation is 1/3, so the standard error of mu_star over
    # 40 trajectories is (1/3) / sqrt(40) = 0.053.  Bound: 4 standard errors.  (The bootstrap interval
    # itself covered mu_star in only 27 of 30 seeds at n = 40, so it is checked for its width.)
    c = df.loc["c"]
    se = (1 / 3) / math.sqrt(40)
    assert abs(c["mu_star"] - 1) < 4 * se, c
    assert c["mu_star_conf"] == pytest.approx(1.96 * se, rel=0.2), c  # measured 0.091-0.109 over 60 seeds
    assert c["sigma"] == pytest.approx(1 / 3, abs=0.1)
    assert sens.ranking().tolist() == ["a", "c", "b", "d"]


def test_output_statistics_final_peak_and_time_to_threshold():
    # final Level = 10 rate, time to Level = 10 is 10 / rate, peak Wave = height (at t = 5):
    # each depends on one parameter only, so its S1 = ST = 1 and the other's are 0.
    outputs = ["Level", time_to("Level", 10), peak("Wave")]
    sens = sd.sensitivity(
        ramp(), {"rate": (1.5, 4), "height": (1, 3)}, n=256, outputs=outputs, rng=5, progress=False
    )
    assert sens.outputs == ["final Level", "time to Level = 10", "peak Wave"]
    values, design = sens.values, sens.design
    np.testing.assert_allclose(values["final Level"], 10 * design["rate"], rtol=1e-12)
    np.testing.assert_allclose(values["time to Level = 10"], 10 / design["rate"], rtol=1e-12)
    np.testing.assert_allclose(values["peak Wave"], design["height"], rtol=1e-12)
    for output, driver, other in [
        ("Level", "rate", "height"),  # a variable name means its final value
        ("time to Level = 10", "rate", "height"),
        ("peak Wave", "height", "rate"),
    ]:
        df = sens[output]
        assert abs(df.loc[driver, "S1"] - 1) <= df.loc[driver, "S1_conf"], df
        assert abs(df.loc[driver, "ST"] - 1) <= df.loc[driver, "ST_conf"], df
        assert df.loc[driver, "S1_conf"] > 0
        # the other parameter's runs give exactly the same outputs: its indices vanish exactly
        assert df.loc[other, ["S1", "ST", "ST_conf"]].to_numpy() == pytest.approx([0, 0, 0], abs=1e-12)
    table = sens.indices
    assert table.index.names == ["output", "parameter"] and len(table) == 3 * 2


def test_sd_sensitivity_is_the_function_and_runs_the_issue_call():
    assert callable(sd.sensitivity) and sd.sensitivity is sd.scenarios.sensitivity
    base = team_knowledge()
    before = base.definition
    bounds = {"learning rate": (0.4, 0.6), "memory time": (6, 24), "Capacity": (90, 110)}
    sens = sd.sensitivity(base, bounds, method="sobol", n=64, run_method="euler", stop=20, progress=False)
    assert base.definition == before  # the base model is never changed
    assert sens.outputs == ["final Knowledge"]  # default: every stock's final value
    assert sens.ranking().tolist()[0] == "memory time"
    assert sens.n_runs == 64 * (3 + 2) and "320 runs" in repr(sens)


def test_same_rng_same_indices_other_rng_other_design():
    bounds = {"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 1)}
    for method in ("sobol", "morris"):
        one = sd.sensitivity(tank(), bounds, method=method, n=16, outputs="Level", rng=7, progress=False)
        two = sd.sensitivity(tank(), bounds, method=method, n=16, outputs="Level", rng=7, progress=False)
        gen = sd.sensitivity(
            tank(), bounds, method=method, n=16, outputs="Level", rng=np.random.default_rng(7), progress=False
        )
        other = sd.sensitivity(tank(), bounds, method=method, n=16, outputs="Level", rng=8, progress=False)
        assert one.indices.equals(two.indices) and one.design.equals(two.design)
        assert gen.indices.equals(one.indices)  # an int seeds default_rng, as everywhere in sysdyn
        assert not other.design.equals(one.design)


def test_progress_false_is_silent_and_true_shows_a_bar(capsys):
    sd.sensitivity(linear(), {"x1": (0, 1), "x2": (0, 1)}, n=8, outputs="y", rng=0, progress=False)
    assert capsys.readouterr().err == ""
    pytest.importorskip("tqdm")
    sd.sensitivity(linear(), {"x1": (0, 1), "x2": (0, 1)}, n=8, outputs="y", rng=0, progress=True)
    err = capsys.readouterr().err
    assert "Sobol" in err and "32/32" in err


def test_unknown_parameter_is_named_with_a_suggestion():
    with pytest.raises(
        sd.ParameterError, match=r"`bounds` names `lerning rate`.*did you mean `learning rate`"
    ) as info:
        sd.sensitivity(team_knowledge(), {"lerning rate": (0.1, 1)}, n=8, progress=False)
    assert isinstance(info.value, sd.SysdynError)
    with pytest.raises(
        sd.ParameterError, match="`memory time` and `Memory_Time`, which are the same variable"
    ):
        sd.sensitivity(
            team_knowledge(), {"memory time": (6, 24), "Memory_Time": (6, 24)}, n=8, progress=False
        )
    with pytest.raises(sd.ParameterError, match="`Learning` cannot be overridden"):
        sd.sensitivity(team_knowledge(), {"Learning": (0, 1)}, n=8, progress=False)


@pytest.mark.parametrize("bad", [(1, 0), (2, 2), (0, math.inf), (math.nan, 1), ("low", 1), (0, 1, 2), []])
def test_bad_bounds_say_what_is_expected(bad):
    with pytest.raises(
        sd.ParameterError, match=r"the bounds of `x1` must be two finite numbers \(low, high\)"
    ):
        sd.sensitivity(linear(), {"x1": bad, "x2": (0, 1)}, n=8, outputs="y", progress=False)


def test_other_bad_arguments():
    m, ok = linear(), {"x1": (0, 1), "x2": (0, 1)}
    with pytest.raises(
        sd.ParameterError, match=r"`method` must be one of \('sobol', 'morris'\) \(got 'fast'\)"
    ):
        sd.sensitivity(m, ok, method="fast", outputs="y")
    with pytest.raises(sd.ParameterError, match="`n` must be a whole number of at least 2"):
        sd.sensitivity(m, ok, n=1, outputs="y")
    with pytest.raises(sd.ParameterError, match="`levels` must be an even whole number"):
        sd.sensitivity(m, ok, method="morris", levels=5, outputs="y")
    with pytest.raises(sd.ParameterError, match="`conf_level` must be between 0 and 1"):
        sd.sensitivity(m, ok, conf_level=95, outputs="y")
    with pytest.raises(sd.ParameterError, match="`bounds` must be a dict"):
        sd.sensitivity(m, {}, outputs="y")
    with pytest.raises(sd.ParameterError, match="`outputs` names `z`"):
        sd.sensitivity(m, ok, n=8, outputs="z", progress=False)
    with pytest.raises(sd.ParameterError, match="gives infinite values at the design's extreme points"):
        sd.sensitivity(m, {"x1": sd.dist.normal(0, 1)}, method="morris", n=4, outputs="y", progress=False)
    with pytest.raises(sd.ParameterError, match=r"not a finite number in \d+ of 24 runs"):
        sd.sensitivity(ramp(), {"rate": (0.5, 2)}, n=8, outputs=time_to("Level", 10), progress=False)
    with pytest.raises(sd.ParameterError, match="second-order indices need"):
        sd.sensitivity(m, ok, n=8, outputs="y", progress=False).second_order()


def test_an_output_that_never_varies_warns_and_gives_nan():
    m = linear()
    m.aux("flat", "0 * x1 + 1")
    with pytest.warns(RuntimeWarning, match="'final flat' is the same in every run"):
        sens = sd.sensitivity(m, {"x1": (0, 1), "x2": (0, 1)}, n=8, outputs=["y", "flat"], progress=False)
    assert sens["flat"]["S1"].isna().all() and not sens["y"]["S1"].isna().any()


def test_missing_salib_says_how_to_install_it(monkeypatch):
    for name in [k for k in sys.modules if k == "SALib" or k.startswith("SALib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import SALib...` now raises ImportError
    monkeypatch.setitem(sys.modules, "SALib", None)
    for method in ("sobol", "morris"):
        with pytest.raises(
            ImportError, match=r"sensitivity analysis needs SALib: pip install 'sysdyn-sim\[sensitivity\]'"
        ):
            sd.sensitivity(linear(), {"x1": (0, 1)}, method=method, n=8, outputs="y", progress=False)


def test_plots():
    sobol = sd.sensitivity(linear(), {"x1": (0, 1), "x2": (0, 1)}, n=32, outputs="y", rng=0, progress=False)
    ax = sobol.plot()
    assert ax.get_title() == "Sobol indices of final y (Linear, 128 runs)"
    morris = sd.sensitivity(
        tank(), {"a": (0, 1), "d": (0, 1)}, method="morris", n=4, outputs="Level", rng=0, progress=False
    )
    ax = morris.plot("Level")
    assert [t.get_text() for t in ax.texts] == ["a", "d"]
    with pytest.raises(
        sd.ParameterError, match=r"`Levl` is not an analysed output.*did you mean `final Level`"
    ):
        morris["Levl"]
