"""Stochastic diffusion of knowledge (adoption, infection) over a network, and its mean-field twin.

:func:`simulate` runs many stochastic runs of one model at once;
:func:`mean_field` solves a deterministic approximation of the same model on
the same network, so that the two can be drawn side by side.

Models and their parameters (rates per unit of time, as EoN's ``tau`` and ``gamma``):

``"SI"``
    ``rate``: transmission rate along an edge of weight 1 from an infected
    (adopting) node to a susceptible one.  Adoption is for good.
``"SIS"``
    ``rate`` and ``recovery`` (rate at which an infected node forgets and
    becomes susceptible again).  Needs ``tmax``.
``"SIR"``
    ``rate`` and ``recovery`` (rate at which an infected node stops spreading, for good).
``"independent_cascade"``
    ``p``: the probability that a newly active node activates each inactive
    out-neighbour, in the next generation, with its single chance (``p=None``
    reads it from the edge weights).
``"threshold"``
    ``thresholds``: a node adopts when the active share of its in-strength
    (``fraction=True``) or the active weight (``fraction=False``) reaches its
    threshold; a number, one value per node, or ``"uniform"`` (drawn per run).

Methods (``method=``): ``"gillespie"`` (default, exact continuous time: the
event-driven algorithm for SI/SIR, the direct method for SIS), ``"event_driven"``
(SI, SIR), ``"direct"`` (SI, SIS, SIR), ``"fixed_step"`` (SI, SIS, SIR, step
``dt``) and ``"generations"`` (cascade and threshold models, the only method).

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> G = nx.connected_watts_strogatz_graph(40, 4, 0.1, seed=1)
>>> res = sd.diffusion.simulate(G, model="SI", rate=0.3, seeds=[0], runs=1000, rng=42, tmax=20)
>>> res.counts.shape
(1000, 101, 2)
>>> mf = sd.diffusion.mean_field(G, model="SI", rate=0.3, seeds=[0], tmax=20)
>>> bool(mf["I"][-1] > 39)
True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from ._problem import STATES, DiffusionError, Problem, report_grid
from .cascade import independent_cascade, linear_threshold
from .event_driven import infection_times
from .fixed_step import fixed_step
from .gillespie import direct
from .graphs import NetworkAdjacency, as_adjacency
from .mean_field import KINDS, MeanFieldResults, solve_mean_field
from .stochastic import DiffusionResults, counts_on_grid

__all__ = [
    "simulate",
    "mean_field",
    "available_methods",
    "DiffusionResults",
    "MeanFieldResults",
    "DiffusionError",
]

_ALIASES = {
    "si": "SI",
    "sis": "SIS",
    "sir": "SIR",
    "independent_cascade": "independent_cascade",
    "ic": "independent_cascade",
    "cascade": "independent_cascade",
    "threshold": "threshold",
    "linear_threshold": "threshold",
    "lt": "threshold",
}


def _event_driven(problem: Problem, rng: np.random.Generator) -> DiffusionResults:
    gamma = problem.recovery if problem.model == "SIR" else 0.0
    t_inf, t_rec = infection_times(problem.net, problem.initial, float(problem.rate), float(gamma), rng)
    if problem.tmax is None:
        last = t_inf if t_rec is None else t_rec
        horizon = float(last[np.isfinite(last)].max(initial=0.0))
        grid = report_grid(horizon if horizon > 0 else 1.0, problem.dt)
    else:
        grid = report_grid(float(problem.tmax), problem.dt)
    t_inf[t_inf > grid[-1]] = np.inf
    ever = counts_on_grid(t_inf, grid)
    n = problem.n
    final = np.isfinite(t_inf).astype(np.int8)
    if t_rec is None:
        counts = np.stack([n - ever, ever], axis=-1)
    else:
        t_rec[t_rec > grid[-1]] = np.inf
        gone = counts_on_grid(t_rec, grid)
        counts = np.stack([n - ever, ever - gone, gone], axis=-1)
        final[np.isfinite(t_rec)] = 2
    return DiffusionResults(
        model=problem.model,
        method="event_driven",
        states=problem.states,
        times=grid,
        counts=counts,
        adoption_times=t_inf,
        final_states=final,
        labels=problem.net.labels,
        recovery_times=t_rec,
        parameters=problem.parameters(),
    )


_EPIDEMIC = ("SI", "SIS", "SIR")
METHODS: dict[str, dict[str, Callable[[Problem, np.random.Generator], DiffusionResults]]] = {
    "gillespie": {"SI": _event_driven, "SIR": _event_driven, "SIS": direct},
    "event_driven": {"SI": _event_driven, "SIR": _event_driven},
    "direct": dict.fromkeys(_EPIDEMIC, direct),
    "fixed_step": dict.fromkeys(_EPIDEMIC, fixed_step),
    "generations": {"independent_cascade": independent_cascade, "threshold": linear_threshold},
}
"""Simulation methods by name, then by model."""


def available_methods(model: str | None = None) -> list[str]:
    """The names of the simulation methods (for one model, if given).

    Examples
    --------
    >>> available_methods("SIS")
    ['gillespie', 'direct', 'fixed_step']
    """
    if model is None:
        return list(METHODS)
    key = _model_name(model)
    return [name for name, models in METHODS.items() if key in models]


def _model_name(model: str) -> str:
    key = _ALIASES.get(str(model).lower()) if isinstance(model, str) else None
    if key is None:
        raise DiffusionError(f"`model` must be one of {', '.join(STATES)}; got {model!r}")
    return key


def _rate(value: Any, name: str, model: str, *, probability: bool = False) -> float:
    if value is None:
        raise DiffusionError(f"the {model} model needs `{name}`")
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise DiffusionError(f"`{name}` must be a non-negative number; got {value!r}")
    if probability and value > 1:
        raise DiffusionError(f"`{name}` is a probability and must be in [0, 1]; got {value!r}")
    return float(value)


def _network(G: Any, weight: str | None, probabilities: bool = False) -> NetworkAdjacency:
    net = as_adjacency(G, weight=weight).without_self_loops()
    data = net.matrix.data
    if data.size and data.min() < 0:
        raise DiffusionError(f"edge weights must be non-negative for diffusion; found {data.min():g}")
    if probabilities and data.size and data.max() > 1:
        raise DiffusionError(
            "with `p=None` the edge weights are the activation probabilities and must be in [0, 1]; "
            f"found {data.max():g} (pass `p=` or `weight=None`)"
        )
    return net


def _initial(net: NetworkAdjacency, seeds: Any, runs: int, rng: np.random.Generator) -> np.ndarray:
    n = net.n
    if isinstance(seeds, Integral) and not isinstance(seeds, bool):
        if not 0 < seeds <= n:
            raise DiffusionError(f"`seeds` as a number must be between 1 and {n} (the nodes); got {seeds}")
        keys = rng.random((runs, n))
        chosen = np.argpartition(keys, seeds - 1, axis=1)[:, :seeds]
        initial = np.zeros((runs, n), dtype=bool)
        np.put_along_axis(initial, chosen, True, axis=1)
        return initial
    if isinstance(seeds, str) or not isinstance(seeds, Sequence | np.ndarray | set | frozenset):
        raise DiffusionError(
            f"`seeds` must be a list of node labels or a number of random seeds per run; got {seeds!r}"
        )
    idx = net.index(list(seeds))
    if idx.size == 0:
        raise DiffusionError("`seeds` is empty: at least one node must start infected or active")
    initial = np.zeros((runs, n), dtype=bool)
    initial[:, idx] = True
    return initial


def _positive(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0 or not np.isfinite(value):
        raise DiffusionError(f"`{name}` must be a positive number; got {value!r}")
    return float(value)


def _options(model: str, rate, recovery, p, thresholds, fraction) -> tuple[float | None, float, dict]:
    if model in _EPIDEMIC:
        tau = _rate(rate, "rate", model)
        gamma = 0.0 if model == "SI" else _rate(recovery, "recovery", model)
        if model == "SI" and recovery not in (None, 0, 0.0):
            raise DiffusionError("the SI model has no recovery; use model='SIS' or 'SIR' for `recovery`")
        return tau, gamma, {}
    if model == "independent_cascade":
        prob = None if p is None else _rate(p, "p", model, probability=True)
        return None, 0.0, {"p": prob}
    if isinstance(thresholds, str):
        if thresholds != "uniform":
            raise DiffusionError(
                f"`thresholds` must be a number, one per node, or 'uniform'; got {thresholds!r}"
            )
    elif not np.all(np.isfinite(np.asarray(thresholds, dtype=float))):
        raise DiffusionError("`thresholds` must be finite numbers")
    return None, 0.0, {"thresholds": thresholds, "fraction": bool(fraction)}


def simulate(
    G: Any,
    model: str = "SI",
    *,
    rate: float | None = None,
    recovery: float | None = None,
    p: float | None = None,
    thresholds: float | Sequence[float] | str = 0.5,
    fraction: bool = True,
    seeds: Sequence[Hashable] | int = 1,
    runs: int = 1000,
    rng: int | np.random.Generator | None = None,
    method: str | None = None,
    tmax: float | None = None,
    dt: float | None = None,
    weight: str | None = "weight",
) -> DiffusionResults:
    """Run a stochastic diffusion model many times on one network, all runs at once.

    Parameters
    ----------
    G : networkx graph, scipy.sparse matrix, edge arrays or NetworkAdjacency
        The network (see :func:`~sysdyn.network.as_adjacency`); self-loops are ignored.
    model : str, default "SI"
        ``"SI"``, ``"SIS"``, ``"SIR"``, ``"independent_cascade"`` or ``"threshold"``.
    rate : float
        SI/SIS/SIR: transmission rate per edge (times its weight) per unit of time.
    recovery : float
        SIS/SIR: recovery rate per infected node per unit of time.
    p : float, optional
        Independent cascade: activation probability per edge (default: the edge weights).
    thresholds : float, sequence or "uniform", default 0.5
        Threshold model: each node's threshold (a sequence in node order).
    fraction : bool, default True
        Threshold model: compare the active fraction of in-strength (True) or
        the active weight (False) with the threshold.
    seeds : list of node labels or int, default 1
        The nodes active at time 0 in every run, or a number of nodes drawn at
        random for each run.
    runs : int, default 1000
    rng : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same runs.
    method : str, optional
        See the module notes; default ``"gillespie"`` (``"generations"`` for
        cascade and threshold models).
    tmax : float, optional
        Horizon (generations for cascades).  Default: until nothing can change
        (needed for SIS).
    dt : float, optional
        Report interval (default: 101 report times); the step of ``"fixed_step"``.
    weight : str or None, default "weight"
        The edge attribute of a networkx graph holding weights.

    Returns
    -------
    DiffusionResults

    Raises
    ------
    DiffusionError
        For a missing or invalid parameter, an unknown model or method, or
        a method that does not simulate the model.

    Examples
    --------
    >>> import networkx as nx
    >>> res = simulate(nx.path_graph(10), "SIR", rate=2.0, recovery=1.0, seeds=[0], runs=500, rng=0)
    >>> res.states, res["R"].shape[0]
    (('S', 'I', 'R'), 500)
    >>> simulate(nx.path_graph(3), "SIS", rate=1.0, recovery=1.0, seeds=[0], runs=5, rng=0)
    Traceback (most recent call last):
    ...
    sysdyn.network._problem.DiffusionError: the SIS model may never die out: pass `tmax`, the time to stop
    """
    key = _model_name(model)
    chosen = method if method is not None else ("generations" if key not in _EPIDEMIC else "gillespie")
    if chosen not in METHODS:
        raise DiffusionError(f"`method` must be one of {', '.join(METHODS)}; got {chosen!r}")
    if key not in METHODS[chosen]:
        raise DiffusionError(
            f"method {chosen!r} does not simulate the {key} model; "
            f"use one of {', '.join(available_methods(key))}"
        )
    if isinstance(runs, bool) or not isinstance(runs, Integral) or runs < 1:
        raise DiffusionError(f"`runs` must be a positive integer; got {runs!r}")
    tmax, dt = _positive(tmax, "tmax"), _positive(dt, "dt")
    if key == "SIS" and tmax is None:
        raise DiffusionError("the SIS model may never die out: pass `tmax`, the time to stop")
    if chosen == "fixed_step" and tmax is None and dt is None:
        raise DiffusionError("the fixed-step method needs `dt` (the step) or `tmax`")
    tau, gamma, options = _options(key, rate, recovery, p, thresholds, fraction)
    generator = np.random.default_rng(rng)
    net = _network(G, weight, probabilities=key == "independent_cascade" and p is None)
    _check_thresholds(options, net)
    problem = Problem(
        net,
        key,
        _initial(net, seeds, int(runs), generator),
        rate=tau,
        recovery=gamma,
        tmax=tmax,
        dt=dt,
        options=options,
    )
    return METHODS[chosen][key](problem, generator)


def _check_thresholds(options: dict, net: NetworkAdjacency) -> None:
    th = options.get("thresholds")
    if th is not None and not isinstance(th, str) and np.ndim(th) and np.size(th) != net.n:
        raise DiffusionError(f"`thresholds` must hold one value per node ({net.n}); got {np.size(th)}")


def mean_field(
    G: Any,
    model: str = "SI",
    *,
    rate: float | None = None,
    recovery: float | None = None,
    p: float | None = None,
    thresholds: float | Sequence[float] | str = 0.5,
    fraction: bool = True,
    seeds: Sequence[Hashable] | int = 1,
    tmax: float | None = None,
    dt: float | None = None,
    kind: str | None = None,
    weight: str | None = "weight",
) -> MeanFieldResults:
    """Solve the mean-field (deterministic) counterpart of a diffusion model on a network.

    Parameters
    ----------
    G, model, rate, recovery, p, thresholds, fraction, weight
        As for :func:`simulate`.
    seeds : list of node labels or int, default 1
        Seed nodes, or a number of seeds at random (each node then starts
        infected with probability ``seeds / n``).
    tmax : float
        The horizon (generations for cascades; default 20 generations there).
    dt : float, optional
        Report interval (default: 101 report times; 1 generation for cascades).
    kind : str, optional
        The approximation: ``"individual"`` (default for SI/SIS/SIR),
        ``"homogeneous"``, ``"pair"``, ``"edge_based"`` (SI/SIR),
        ``"message_passing"`` (independent cascade) or ``"tree"`` (threshold);
        see :mod:`sysdyn.network.mean_field` for what each is.

    Returns
    -------
    MeanFieldResults

    Examples
    --------
    >>> import networkx as nx
    >>> mf = mean_field(nx.path_graph(4), "independent_cascade", p=0.5, seeds=[0], tmax=3)
    >>> mf.node_probabilities[-1, :, 1].round(3)  # exact on a tree: 0.5 ** distance
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    key = _model_name(model)
    chosen = kind if kind is not None else KINDS[key][0]
    if chosen not in KINDS[key]:
        raise DiffusionError(
            f"`kind` must be one of {', '.join(KINDS[key])} for the {key} model; got {chosen!r}"
        )
    tau, gamma, options = _options(key, rate, recovery, p, thresholds, fraction)
    net = _network(G, weight, probabilities=key == "independent_cascade" and p is None)
    _check_thresholds(options, net)
    tmax, dt = _positive(tmax, "tmax"), _positive(dt, "dt")
    if key in _EPIDEMIC:
        if tmax is None:
            raise DiffusionError("the mean field needs `tmax`, the time to stop")
        times = report_grid(tmax, dt)
    else:
        times = np.arange(int(tmax if tmax is not None else 20) + 1, dtype=float)
    if isinstance(seeds, Integral) and not isinstance(seeds, bool):
        if not 0 < seeds <= net.n:
            raise DiffusionError(f"`seeds` as a number must be between 1 and {net.n}; got {seeds}")
        x0 = np.full(net.n, seeds / net.n)
    else:
        x0 = _initial(net, seeds, 1, np.random.default_rng(0))[0].astype(float)
    options |= {"rate": tau, "recovery": gamma}
    return solve_mean_field(net, key, chosen, x0, times, options)
