"""March (1991) beyond Figure 1: slow and fast learners in one organisation, settling, memory.

The Figure 1 checks live in ``tests/test_models.py``.  Here: per-individual
socialisation rates (March's Figures 2 and 3), the equilibrium bookkeeping
when a number of periods is given, and the memory a run keeps.

Reference values were measured with this implementation from 1,000 (Figure 2)
or 2,000 (Figure 3) runs per point with other seeds than the tests use; each
check allows three standard errors of the difference between the test's
mean and the reference mean, both taken from the spread over runs.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

from sysdyn.errors import ParameterError
from sysdyn.models.march import MarchModel, mixed_p1


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    """Mean over runs and its standard error."""
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def _within(mean: float, se: float, reference: tuple[float, float]) -> bool:
    """``mean`` agrees with ``reference`` = (mean, standard error) within three combined standard errors."""
    return abs(mean - reference[0]) < 3 * np.hypot(se, reference[1])


# ----------------------------------------------------------------------------- per-individual rates


def test_mixed_p1_builds_slow_and_fast_learners():
    rates = mixed_p1(10)
    assert rates.shape == (1, 50)
    assert (rates == 0.1).sum() == 10 and (rates == 0.9).sum() == 40
    sweep = mixed_p1(np.array([0, 50, 3]), n=50, p1_slow=0.2, p1_fast=0.7)
    assert sweep.shape == (3, 50)
    np.testing.assert_array_equal((sweep == 0.2).sum(axis=1), [0, 50, 3])


@pytest.mark.parametrize(
    ("n_slow", "kwargs"),
    [(-1, {}), (51, {}), (2.5, {}), ([[1, 2]], {}), (3, {"p1_slow": 1.5}), (3, {"n": 0})],
)
def test_mixed_p1_rejects_bad_input(n_slow, kwargs):
    with pytest.raises(ParameterError):
        mixed_p1(n_slow, **kwargs)


def test_per_individual_p1_validation():
    with pytest.raises(ParameterError, match="n = 50 individuals"):
        MarchModel(p1=np.full((1, 40), 0.5))
    with pytest.raises(ParameterError, match="must be a number or a 1-D array over runs"):
        MarchModel(p2=np.full((1, 50), 0.5))  # only p1 may vary between individuals
    with pytest.raises(ParameterError):
        MarchModel(p1=np.full((1, 1, 50), 0.5))
    with pytest.raises(ParameterError, match="for 2 runs, but there are 3 runs"):
        MarchModel(p1=np.full((2, 50), 0.5)).run(runs=3, seed=0)
    with pytest.raises(ParameterError, match="non-negative integer"):
        MarchModel().run(runs=2, periods=-1)


def test_equal_per_individual_rates_reproduce_one_rate_exactly():
    # per-individual rates only change which individuals are socialised, not the random numbers drawn
    one = MarchModel(p1=0.9).run(runs=20, seed=4)
    each = MarchModel(p1=mixed_p1(10, p1_slow=0.9, p1_fast=0.9)).run(runs=20, seed=4)
    np.testing.assert_array_equal(one.code_knowledge, each.code_knowledge)
    np.testing.assert_array_equal(one.individual_knowledge, each.individual_knowledge)
    per_run = np.repeat([0.2, 0.8], 10)
    a = MarchModel(p1=per_run).run(runs=20, seed=5)
    b = MarchModel(p1=np.repeat(per_run[:, None], 50, axis=1)).run(runs=20, seed=5)
    np.testing.assert_array_equal(a.code_knowledge, b.code_knowledge)
    np.testing.assert_array_equal(a.equilibrium_period, b.equilibrium_period)


def test_each_individual_keeps_its_own_rate_while_runs_settle():
    # Half the runs are all fast and settle early (they leave the simulated arrays); in the other half
    # ten individuals never learn from the code (p1 = 0), so their knowledge must never change.
    n_slow = np.repeat([0, 10], 20)
    res = MarchModel(p1=mixed_p1(n_slow, p1_slow=0.0, p1_fast=0.9)).run(
        runs=40, periods=150, seed=6, groups=(0.0, 0.9)
    )
    assert res.settled[:20].all()  # the all-fast runs settled
    stubborn = res.group_paths[0.0][20:]
    np.testing.assert_array_equal(stubborn, np.repeat(stubborn[:, :1], stubborn.shape[1], axis=1))
    assert np.isnan(res.group_paths[0.0][:20]).all()  # no such individuals there
    np.testing.assert_allclose(res.group_knowledge(0.0)[20:], stubborn[:, -1])
    np.testing.assert_allclose(res.group_knowledge(0.9), res.group_paths[0.9][:, -1])
    # the mean knowledge of the individuals is the size-weighted mean of the groups
    np.testing.assert_allclose(
        res.individual_knowledge[20:], (10 * stubborn + 40 * res.group_paths[0.9][20:]) / 50
    )


# ---------------------------------------------------------------------------- March's Figures 2 and 3

# Equilibrium code knowledge, p2 = 0.5, by number of slow learners (p1 = 0.1) among 50 (the rest p1 = 0.9);
# 1,000 runs each (0 and 50 slow learners are Figure 1's 0.742 and 0.954 in Workiewicz's recreation).
FIGURE_2_REFERENCE = {0: (0.7454, 0.0033), 10: (0.8435, 0.0026), 25: (0.9020, 0.0021), 50: (0.9531, 0.0016)}
HOMOGENEOUS_P1_05 = (0.8120, 0.0029)  # all 50 at p1 = 0.5, the mean rate of the 25/25 mix


def test_figure_2_slow_learners_raise_equilibrium_code_knowledge():
    runs = 150
    grid = np.array(sorted(FIGURE_2_REFERENCE))
    res = MarchModel(p1=mixed_p1(np.repeat(grid, runs)), p2=0.5).run(runs=runs * grid.size, seed=1991)
    assert res.settled.all()
    knowledge = res.final_code_knowledge.reshape(grid.size, runs)
    stats = [_mean_se(row) for row in knowledge]
    for n_slow, (mean, se) in zip(grid, stats, strict=True):
        assert _within(mean, se, FIGURE_2_REFERENCE[n_slow]), (n_slow, mean, se)
    # every step up in the number of slow learners raises the code's knowledge, beyond Monte Carlo error
    for (low, low_se), (high, high_se) in itertools.pairwise(stats):
        assert high - low > 3 * np.hypot(low_se, high_se)
    # a mix beats the homogeneous organisation with the same mean socialisation rate (0.5)
    homogeneous = MarchModel(p1=0.5, p2=0.5).run(runs=runs, seed=1992)
    assert _within(homogeneous.mean(), homogeneous.sem(), HOMOGENEOUS_P1_05)
    mix, mix_se = stats[list(grid).index(25)]
    assert mix - homogeneous.mean() > 3 * np.hypot(mix_se, homogeneous.sem())  # measured: 0.90 against 0.81


# Knowledge after 20 periods (Figure 3), p2 = 0.5, 2,000 runs each.
FIGURE_3_REFERENCE = {
    "fast, all fast": (0.7405, 0.0023),
    "fast, 25 slow": (0.7789, 0.0020),
    "slow, 25 slow": (0.5603, 0.0017),
}


def test_figure_3_fast_learners_gain_from_slow_ones_in_the_short_run():
    runs = 400
    res = MarchModel(p1=mixed_p1(np.repeat([0, 25], runs)), p2=0.5).run(
        runs=2 * runs, periods=20, seed=20, groups=(0.1, 0.9)
    )
    fast = res.group_knowledge(0.9).reshape(2, runs)
    slow = res.group_knowledge(0.1)[runs:]
    measured = {
        "fast, all fast": _mean_se(fast[0]),
        "fast, 25 slow": _mean_se(fast[1]),
        "slow, 25 slow": _mean_se(slow),
    }
    for name, (mean, se) in measured.items():
        assert _within(mean, se, FIGURE_3_REFERENCE[name]), (name, mean, se)
    # fast learners know more after 20 periods when half their colleagues learn slowly ...
    (alone, alone_se), (mixed, mixed_se) = measured["fast, all fast"], measured["fast, 25 slow"]
    assert mixed - alone > 3 * np.hypot(alone_se, mixed_se)
    # ... while the slow learners themselves lag far behind the fast ones of their organisation
    slow_mean, slow_se = measured["slow, 25 slow"]
    assert mixed - slow_mean > 3 * np.hypot(mixed_se, slow_se)
    np.testing.assert_allclose(res.group_paths[0.9][:, -1], res.group_knowledge(0.9))


# ------------------------------------------------------------------------ equilibrium with `periods`


def test_runs_that_settle_within_the_periods_are_reported_settled():
    free = MarchModel(p1=0.9).run(runs=20, seed=8)  # until every run has settled
    fixed = MarchModel(p1=0.9).run(runs=20, periods=300, seed=8)
    assert free.equilibrium_period.max() < 300
    assert fixed.settled.all()
    np.testing.assert_array_equal(fixed.equilibrium_period, free.equilibrium_period)
    width = free.code_knowledge.shape[1]
    np.testing.assert_array_equal(fixed.code_knowledge[:, :width], free.code_knowledge)
    assert fixed.code_knowledge.shape == (20, 301)
    # after its equilibrium a run keeps its values
    np.testing.assert_array_equal(
        fixed.code_knowledge[:, width:], free.code_knowledge[:, -1:].repeat(301 - width, 1)
    )
    np.testing.assert_array_equal(fixed.final_code_knowledge, free.final_code_knowledge)


def test_runs_still_moving_or_open_ended_are_not_settled():
    short = MarchModel(p1=0.1).run(runs=10, periods=5, seed=9)
    assert not short.settled.any() and (short.equilibrium_period == -1).all()
    # turnover in half the runs: those never settle, the others do
    mixed = MarchModel(p1=0.9, p3=np.repeat([0.0, 0.05], 10)).run(runs=20, periods=300, seed=9)
    assert mixed.settled[:10].all() and not mixed.settled[10:].any()
    assert (mixed.equilibrium_period[10:] == -1).all()


# ------------------------------------------------------------------------------------------- memory


def test_results_own_their_arrays_and_hold_only_the_periods_used():
    res = MarchModel(p1=0.9).run(runs=30, seed=10)
    width = res.equilibrium_period.max() + 1
    for arr in (
        res.code_knowledge,
        res.individual_knowledge,
        res.final_knowledge_of_individuals,
        res.individual_p1,
    ):
        assert arr.base is None  # not a view that keeps a larger work buffer alive
    assert res.code_knowledge.shape == (30, width) and res.code_knowledge.nbytes == 30 * width * 8


def test_peak_memory_does_not_scale_with_max_periods():
    # The old code allocated two (runs, max_periods + 1) buffers up front:
    # 2 * 100 * 20,001 * 8 B = 32 MB here.
    tracemalloc.start()
    try:
        res = MarchModel(p1=0.9).run(runs=100, seed=11, max_periods=20_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.settled.all()
    # measured: 3.6 MB, the work arrays of one period (a few runs x n x m arrays of 8-byte numbers)
    assert peak < 8_000_000, peak


def test_growing_buffers_keep_every_period():
    # more periods than the first chunk of the buffers (256): the path is the same however long the run
    long = MarchModel(p1=0.5, p3=0.05).run(runs=6, periods=700, seed=12)
    short = MarchModel(p1=0.5, p3=0.05).run(runs=6, periods=100, seed=12)
    np.testing.assert_array_equal(long.code_knowledge[:, :101], short.code_knowledge)
    assert long.code_knowledge.shape == (6, 701) and long.code_knowledge.base is None
    k = long.code_knowledge * 30
    np.testing.assert_allclose(k, np.round(k))  # every entry is a real knowledge value, none left unset
    assert np.all(np.abs(long.individual_knowledge) <= 1)
