"""Calibration recovers known parameters from noisy synthetic data within their standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sysdyn.scenarios.calibration import calibrate
from sysdyn.showcase import team_knowledge

TRUTH = {"learning rate": 0.8, "memory time": 9.0}
NOISE = 0.5


def _data(seed: int) -> pd.DataFrame:
    m = team_knowledge()
    res = m.run(method="euler", params=TRUTH)
    rng = np.random.default_rng(seed)
    t, k = res.time[::4], res["Knowledge"][::4]
    return pd.DataFrame({"Knowledge": k + rng.normal(0, NOISE, len(t))}, index=t)


@pytest.mark.parametrize("method", ["least_squares", "differential_evolution"])
def test_recovers_truth_within_standard_errors(method):
    fit = calibrate(
        team_knowledge(),
        _data(11),
        {"learning rate": (0.1, 2), "memory time": (2, 30)},
        method=method,
        run_method="euler",
        rng=1,
    )
    report = fit.report()
    for name, true in TRUTH.items():
        # the estimator is asymptotically normal: 3 standard errors cover 99.7%
        assert abs(fit.params[name] - true) < 3 * fit.stderr[name], report
    assert fit.success
    # residual standard deviation estimates the noise (51 points: relative error ~10%)
    assert np.sqrt(fit.cost / (fit.n_obs - 2)) == pytest.approx(NOISE, rel=0.3)
    fig = fit.plot()
    assert len(fig.axes) == 2


def test_standard_errors_match_the_spread_of_estimates():
    # over repeated noise draws the estimates scatter with about the reported standard error
    fits = [
        calibrate(
            team_knowledge(),
            _data(s),
            {"learning rate": (0.1, 2), "memory time": (2, 30)},
            run_method="euler",
        )
        for s in range(20)
    ]
    est = np.array([f.params["learning rate"] for f in fits])
    se = np.mean([f.stderr["learning rate"] for f in fits])
    # the sample sd of 20 estimates is within ~±35% of the true sd at 95% (chi-square, 19 dof)
    assert est.std(ddof=1) == pytest.approx(se, rel=0.45)


def test_calibration_shows_a_progress_bar_that_can_be_switched_off(capsys):
    m = team_knowledge()
    truth = m.run(method="euler", params={"memory time": 9.0})
    data = pd.DataFrame({"Knowledge": truth["Knowledge"]}, index=truth.time)
    calibrate(m, data, {"memory time": (2, 30)}, run_method="euler", progress=False)
    assert capsys.readouterr().err == ""
    fit = calibrate(m, data, {"memory time": (2, 30)}, run_method="euler", progress=True)
    err = capsys.readouterr().err
    assert "calibration" in err and "runs" in err and "best cost" in err
    assert fit.params["memory time"] == pytest.approx(9.0, rel=1e-6)
