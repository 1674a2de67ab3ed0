"""Scenario scripts: scenarios, sweeps, Monte Carlo, sensitivity, calibration, and runs on Dask.

Everything here builds on vectorised ensembles (:meth:`sysdyn.Model.run`
with arrays of parameter values): a sweep or a Monte Carlo experiment is cut
into chunks of runs, each chunk one array run, in this process or as Dask
tasks, kept in memory or streamed to a resumable store on disk.

Models with arrayed variables (dimensions, networks) work throughout: their
outputs keep their element axes; summaries, band plots, statistics and
scenario tables pick one element (``"Knowledge[alice]"`` or ``element=``) or
aggregate over the elements (``aggregate="sum"``); a scenario may change a
network (:func:`network_change`, or a new graph).

Examples
--------
>>> import sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> s = sd.Scenarios(team_knowledge(), {"more staff": {"Staff": 8}})
>>> s.run(method="euler").table("Knowledge").round(2)["final"].tolist()
[19.3, 32.39]
"""

from __future__ import annotations

from . import distributions as dist
from .calibration import Calibration, calibrate
from .ensemble import run_ensemble
from .montecarlo import monte_carlo, sample_design
from .scenarios import NetworkChange, ScenarioResults, Scenarios, network_change
from .sensitivity import SensitivityResults, sensitivity
from .statistics import (
    AGGREGATES,
    Statistic,
    final,
    initial,
    mean,
    peak,
    select_elements,
    time_to,
    trough,
    value_at,
)
from .store import StoreCorruptError, StoreError, StoreMismatchError, load_store
from .summaries import EnsembleResults
from .sweep import factorial_design, sweep

__all__ = [
    "Scenarios",
    "ScenarioResults",
    "network_change",
    "NetworkChange",
    "sweep",
    "monte_carlo",
    "run_ensemble",
    "EnsembleResults",
    "dist",
    "sample_design",
    "factorial_design",
    "calibrate",
    "Calibration",
    "sensitivity",
    "SensitivityResults",
    "Statistic",
    "final",
    "initial",
    "peak",
    "trough",
    "mean",
    "value_at",
    "time_to",
    "select_elements",
    "AGGREGATES",
    "load_store",
    "StoreError",
    "StoreMismatchError",
    "StoreCorruptError",
]
