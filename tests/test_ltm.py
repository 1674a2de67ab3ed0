"""Loops That Matter: checks against the published cases (Schoenberg, Davidsen & Eberlein 2020).

The paper's logistic case: population P with births ``r P`` and deaths ``r P^2 / K``.  The link
scores of ``P -> births`` and ``P -> deaths`` are 1 (each flow depends on P alone), and the flow
to stock scores are ``+|Δbirths / Δnet|`` and ``-|Δdeaths / Δnet|``, so over a save interval
``(t_k-1, t_k]`` the reinforcing loop's relative score is exactly

    ρ_R = |Δb| / (|Δb| + |Δd|) = K / (K + P_k-1 + P_k)

(the continuous-time score is ``K / (K + 2 P)``): the reinforcing loop dominates (ρ_R > 1/2)
until the stock, averaged over the interval, passes half its capacity, whatever the solver.
"""

from __future__ import annotations

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.loops import LoopAnalysisError

K, P0, R = 1000.0, 10.0, 0.2
#: The logistic stock reaches K/2 at t* = ln(K/P0 - 1) / r.
T_HALF = np.log(K / P0 - 1) / R


def _logistic(dt: float = 0.25) -> sd.Model:
    m = sd.Model("Logistic", stop=60, dt=dt)
    m.stock("Population", P0, inflows=["births"], outflows=["deaths"])
    m.flow("births", "r * Population")
    m.flow("deaths", "r * Population * Population / capacity")
    m.constant("r", R)
    m.constant("capacity", K)
    return m


def _switch_time(ltm: sd.loops.LoopDominance) -> float:
    """When R1's relative score crosses 1/2: scores belong to their interval's midpoint; linear in between."""
    t = ltm.results.time
    rho = ltm.loop_scores["R1"].to_numpy()
    mid = t - 0.5 * np.diff(t, prepend=np.nan)
    (k,) = np.flatnonzero((rho[1:-1] >= 0.5) & (rho[2:] < 0.5))[:1] + 1
    return float(mid[k] + (rho[k] - 0.5) / (rho[k] - rho[k + 1]) * (mid[k + 1] - mid[k]))


@pytest.mark.parametrize("method", ["euler", "rk4", "RK45", "LSODA"])
def test_logistic_switches_dominance_exactly_at_half_capacity(method):
    ltm = sd.loop_dominance(_logistic(), method=method)
    assert [lp.name for lp in ltm.loops] == ["R1", "B1"]
    population = ltm.results["Population"]
    pair_sum = population[1:] + population[:-1]
    # the closed form of the paper's case, on the solver's own trajectory
    np.testing.assert_allclose(ltm.loop_scores["R1"].iloc[1:], K / (K + pair_sum), rtol=1e-11)
    np.testing.assert_allclose(ltm.loop_scores["B1"].iloc[1:], -pair_sum / (K + pair_sum), rtol=1e-11)
    # so R1 stops dominating in exactly the interval in which the stock (averaged) passes K / 2
    dominant = ltm.dominant().iloc[1:].to_numpy()
    np.testing.assert_array_equal(dominant == "B1", pair_sum > K)
    assert dominant[0] == "R1" and dominant[-1] == "B1"
    # relative scores sum to 1 in magnitude at every time
    np.testing.assert_allclose(ltm.loop_scores.iloc[1:].abs().sum(axis=1), 1.0, rtol=1e-13)


@pytest.mark.parametrize("method", ["euler", "rk4", "RK45"])
def test_logistic_switch_time_against_the_analytic_time(method):
    """The switch time converges to t* at the order of the solver's error, or of the scores' own O(dt^2).

    - Euler: the trajectory itself is first-order, so the switch is late by about ``c dt``; on this
      model c = 1.6, checked with ``2 dt`` and a halving of the error with dt.
    - RK4, RK45: the trajectory error is far smaller (O(dt^4), or below the adaptive tolerances); what
      is left is that an interval's score uses ``(P_k-1 + P_k) / 2`` for P at its midpoint, an O(dt^2)
      difference (``P'' dt^2 / 8``), which moves the crossing by about ``dt^2 max|P''| / (8 P'(t*))
      = 0.0096 dt^2`` here; checked with ``0.02 dt^2`` and a quartering of the error with dt.
    """
    errors = {
        dt: _switch_time(sd.loop_dominance(_logistic(dt), method=method)) - T_HALF for dt in (0.5, 0.25)
    }
    if method == "euler":
        assert 0 < errors[0.25] <= 2 * 0.25
        assert errors[0.5] / errors[0.25] == pytest.approx(2.0, rel=0.05)
    else:
        assert abs(errors[0.25]) <= 0.02 * 0.25**2
        assert errors[0.5] / errors[0.25] == pytest.approx(4.0, rel=0.15)


def _oscillator(damping: float | None = None) -> sd.Model:
    m = sd.Model("Oscillator", stop=20, dt=0.05)
    m.stock("Position", 1, inflows=["moving"])
    m.stock("Velocity", 0, outflows=["accelerating"] + (["friction"] if damping else []))
    m.flow("moving", "Velocity")
    m.flow("accelerating", "Position * stiffness")
    m.constant("stiffness", 1.0)
    if damping:
        m.flow("friction", "Velocity * damping")
        m.constant("damping", damping)
    return m


@pytest.mark.parametrize("method", ["euler", "rk4", "DOP853", "Radau"])
def test_two_stock_oscillator_single_loop_scores_one(method):
    ltm = sd.loop_dominance(_oscillator(), method=method)
    assert [lp.name for lp in ltm.loops] == ["B1"]
    scores = ltm.loop_scores["B1"].dropna()
    # defined everywhere but at the first time (no previous one) and where a flow stands still
    assert len(scores) > 0.9 * len(ltm.loop_scores)
    np.testing.assert_allclose(scores, -1.0, rtol=1e-12)
    # each stock has one flow, so every link score is +-1 and the loop score itself is -1
    absolute = ltm.absolute_loop_scores["B1"].dropna()
    np.testing.assert_allclose(absolute[absolute != 0], -1.0, rtol=1e-9)


def test_relative_scores_sum_to_one_within_each_partition():
    m = _oscillator(damping=0.3)
    m.stock("Rumour", 1, inflows=["spread"])  # a second, independent part: its own partition
    m.flow("spread", "Rumour * 0.05")
    ltm = sd.loop_dominance(m, method="rk4")
    assert sorted(map(sorted, ltm.partitions)) == [["B1", "B2"], ["R1"]]
    for names in ltm.partitions:
        np.testing.assert_allclose(ltm.loop_scores[names].iloc[1:].abs().sum(axis=1), 1.0, rtol=1e-12)
    # damping and the spring share the work: both balancing loops matter at some time
    spring = ltm.loops["B2"] if "Position" in ltm.loops["B2"] else ltm.loops["B1"]
    friction = next(lp for lp in ltm.loops if lp.polarity == "balancing" and lp is not spring)
    assert (ltm.loop_scores[friction.name] < -0.5).any() and (ltm.loop_scores[spring.name] < -0.5).any()


def test_run_with_loop_dominance_is_the_same_analysis():
    m = _logistic()
    via_run = m.run(loop_dominance=True, method="rk4")
    direct = sd.loop_dominance(m, method="rk4")
    np.testing.assert_array_equal(via_run.loop_scores.to_numpy(), direct.loop_scores.to_numpy())
    given = sd.loop_dominance(m, results=direct.results)
    np.testing.assert_array_equal(given.loop_scores.to_numpy(), direct.loop_scores.to_numpy())
    ax = via_run.plot()
    assert ax.get_ylabel() == "relative loop score" and len(ax.get_lines()) >= 2
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_unscorable_links_warn_and_link_score_columns():
    m = sd.Model("pipeline", stop=10, dt=0.5)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "DELAY(S, 2) * 0.1")  # a fixed pipeline delay: no stocks to write out
    with pytest.warns(UserWarning, match=r"memory or random draws.*S -> f"):
        ltm = sd.loop_dominance(m, method="euler")
    assert ltm.loop_scores["R1"].isna().all()
    assert list(sd.loop_dominance(_logistic(), method="euler").link_scores.columns) == [
        "births -> Population",
        "deaths -> Population",
        "Population -> births",
        "Population -> deaths",
    ]


def _perception(smooth: str, written_out: bool = False) -> sd.Model:
    """Skill trained towards a target seen through a perception delay (one smooth or delay call)."""
    m = sd.Model("Acting on old news", stop=40, dt=0.125)
    m.stock("Skill", 20, inflows=["Training"], outflows=["Skill decay"])
    m.flow("Skill decay", "Skill / skill_life")
    m.constant("Target", 80)
    m.constant("time to train", 3)
    m.constant("skill life", 24)
    m.constant("delay", 4)
    if written_out:  # SMTH1 by hand: the perceived skill is a stock of its own
        m.stock("Perceived skill", "Skill", inflows=["Updating"])
        m.flow("Updating", "(Skill - Perceived_skill) / delay")
    else:
        m.aux("Perceived skill", f"{smooth}(Skill, delay)")
    m.flow("Training", "(Target - Perceived_skill) / time_to_train + Skill / skill_life * 0.5")
    return m


@pytest.mark.parametrize("smooth", ["SMTH1", "SMTH3", "DELAY1", "DELAY3"])
@pytest.mark.parametrize("method", ["euler", "rk4", "RK45"])
def test_loops_through_smooths_and_delays_are_scored(smooth, method):
    import warnings

    m = _perception(smooth)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left unscored
        ltm = sd.loop_dominance(m, method=method)
    assert [lp.name for lp in ltm.loops] == ["B1", "R1", "B2"]
    assert ltm.loops["B2"].n_delays == 1
    scores = ltm.loop_scores.iloc[1:]
    assert scores.notna().all().all()
    np.testing.assert_allclose(scores.abs().sum(axis=1), 1.0, rtol=1e-12)
    assert (scores["B2"] < -0.5).mean() > 0.5  # acting on old news: the delayed loop mostly dominates
    # the run is the model's own: the stages written out change nothing
    plain = m.run(method=method)
    for name in plain.names:
        np.testing.assert_allclose(ltm.results[name], plain[name], rtol=1e-12, atol=1e-12)
    # and the same analysis from a run the user made first
    again = sd.loop_dominance(m, results=plain)
    np.testing.assert_allclose(again.loop_scores.to_numpy(), ltm.loop_scores.to_numpy(), rtol=1e-12)


def test_a_smooth_scores_as_the_stock_it_stands_for():
    """SMTH1(Skill, delay) and the same first-order smooth written as a stock give the same loop scores."""
    builtin = sd.loop_dominance(_perception("SMTH1"), method="rk4")
    by_hand = sd.loop_dominance(_perception("SMTH1", written_out=True), method="rk4")
    assert [str(lp).split(": ")[1] for lp in by_hand.loops] == [
        "Perceived skill -> Updating -> Perceived skill (balancing)",
        "Skill -> Skill decay -> Skill (balancing)",
        "Skill -> Training -> Skill (reinforcing)",
        "Skill -> Updating -> Perceived skill -> Training -> Skill (balancing)",
    ]
    same = {"B1": "B2", "R1": "R1", "B2": "B3"}  # builtin's loop -> the loop written by hand
    for mine, theirs in same.items():
        np.testing.assert_allclose(
            builtin.absolute_loop_scores[mine].iloc[1:],
            by_hand.absolute_loop_scores[theirs].iloc[1:],
            rtol=1e-9,
        )
    # by hand, the smooth's own adjustment loop is one of the model's loops and takes a share of the
    # relative scores; inside the builtin it is not, and the model's three loops share everything
    assert by_hand.loop_scores["B1"].abs().iloc[1:].max() > 0.1
    np.testing.assert_allclose(builtin.loop_scores.iloc[1:].abs().sum(axis=1), 1.0, rtol=1e-12)


def test_results_from_another_grid_are_not_rescored_through_smooths():
    m = _perception("SMTH3")
    finer = m.run(method="rk4", dt=0.0625)  # the stages would need the same dt to reproduce it
    with pytest.warns(UserWarning) as record:
        ltm = sd.loop_dominance(m, results=finer)
    messages = [str(w.message) for w in record]
    assert any("did not reproduce these results" in text for text in messages)
    assert any("Skill -> Perceived skill" in text for text in messages)
    assert ltm.loop_scores["B2"].isna().all() and ltm.loop_scores["B1"].iloc[1:].notna().all()


def test_errors():
    m = sd.Model("alg", stop=2)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "a")
    m.aux("a", "b + S")
    m.aux("b", "a * 2")
    with pytest.raises(sd.AlgebraicLoopError, match=r"algebraic loop: `a` depends on itself.*a -> b -> a"):
        sd.loop_dominance(m, method="euler")
    with pytest.raises(sd.AlgebraicLoopError, match=r"a -> b -> a"):
        m.run(loop_dominance=True)
    ensemble = _logistic().run(method="euler", params={"r": np.array([0.1, 0.2])})
    with pytest.raises(LoopAnalysisError, match=r"single run, not of an ensemble of 2 runs"):
        sd.loop_dominance(_logistic(), results=ensemble)
    with pytest.raises(TypeError, match=r"run options \['method'\] make no sense"):
        sd.loop_dominance(_logistic(), results=ensemble, method="rk4")


def test_loop_scores_carry_titles():
    m = _logistic()
    plain = sd.loop_dominance(m, method="euler")
    titled = sd.loop_dominance(m, method="euler", titles={"R1": "Births", "B1": "Crowding"})
    assert titled.loop_scores.columns.tolist() == ["R1 Births", "B1 Crowding"]
    np.testing.assert_array_equal(titled.loop_scores.to_numpy(), plain.loop_scores.to_numpy())
    assert titled.absolute_loop_scores.columns.tolist() == ["R1 Births", "B1 Crowding"]
    assert titled.partitions == [["R1 Births", "B1 Crowding"]]
    assert set(titled.dominant().dropna()) <= {"R1 Births", "B1 Crowding"}
    assert [lp.label for lp in titled.loops] == ["R1 Births", "B1 Crowding"]
    # the same from an existing analysis, without a new run; only the given loops get titles
    renamed = plain.named({"B1": "Crowding"})
    assert renamed.loop_scores.columns.tolist() == ["R1", "B1 Crowding"]
    assert renamed.results is plain.results and plain.loop_scores.columns.tolist() == ["R1", "B1"]
    assert renamed.named({"R1": "Births"}).partitions == [["R1 Births", "B1 Crowding"]]
    via_run = m.run(loop_dominance=True, method="euler", titles={"R1": "Births"})
    assert via_run.loop_scores.columns.tolist() == ["R1 Births", "B1"]


def test_loop_scores_titled_from_a_library_models_doc():
    m = sd.models.load("capability_trap")
    ltm = sd.loop_dominance(m, titles=m.doc, method="euler", stop=10)
    assert "R2 Reinvestment" in ltm.loop_scores.columns and "B6 Work Harder" in ltm.loop_scores.columns
    with pytest.raises(LoopAnalysisError, match=r"no loop is named|documentation says"):
        sd.loop_dominance(m, titles="Loops:\nR1 Reinvestment: Capability -> Throughput", stop=10)
