"""Fixed-step (discrete-time) SI, SIS and SIR: every node of every run updated at once per step.

Over a step ``dt``, a susceptible node whose infected in-neighbours have total
edge weight ``k`` becomes infected with probability ``1 - exp(-tau * dt * k)``
(each neighbour transmits independently with probability ``1 - exp(-tau w dt)``),
and an infected node recovers with probability ``1 - exp(-gamma * dt)``, both
decided from the state at the start of the step (synchronous update).  The
infection pressure of all runs is one sparse-times-dense product
``A.T @ X`` with ``X`` the ``(nodes, runs)`` indicator of infection.  The
method converges to the continuous-time model as ``dt -> 0``; its error in the
mean trajectory is of order ``tau * k * dt`` (a node infected during a step
cannot transmit before the step ends).

Examples
--------
>>> import numpy as np, networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> from sysdyn.network._problem import Problem
>>> p = Problem(as_adjacency(nx.path_graph(3)), "SI", np.eye(3, dtype=bool)[[0, 0]], rate=1.0, dt=0.5)
>>> res = fixed_step(p, np.random.default_rng(0))
>>> res.counts[:, -1].tolist()
[[0, 3], [0, 3]]
"""

from __future__ import annotations

import numpy as np

from ._problem import Problem
from .stochastic import DiffusionResults

__all__ = ["fixed_step", "DEFAULT_STEPS"]

DEFAULT_STEPS = 100  # steps over tmax when no dt is given
_S, _I, _R = 0, 1, 2


def fixed_step(problem: Problem, rng: np.random.Generator) -> DiffusionResults:
    """Simulate SI, SIS or SIR runs with a fixed step, all runs as one array.

    Parameters
    ----------
    problem : Problem
        ``dt`` is the step (default ``tmax / 100``); without ``tmax`` the runs
        go on until nothing can change (SI, SIR), which needs ``dt``.
    rng : numpy.random.Generator

    Returns
    -------
    DiffusionResults
        Reported at every step.

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> p = Problem(as_adjacency(nx.path_graph(4)), "SIR", np.eye(4, dtype=bool)[[0, 0, 0]],
    ...             rate=2.0, recovery=1.0, tmax=2.0, dt=0.5)
    >>> res = fixed_step(p, np.random.default_rng(0))
    >>> res.times.tolist(), res.counts.shape  # (runs, times, states S I R)
    ([0.0, 0.5, 1.0, 1.5, 2.0], (3, 5, 3))
    >>> bool((res.counts.sum(axis=-1) == 4).all())  # every node is in exactly one state
    True
    """
    model, n, runs = problem.model, problem.n, problem.runs
    tau = float(problem.rate)
    gamma = float(problem.recovery) if model != "SI" else 0.0
    dt = problem.dt if problem.dt is not None else problem.tmax / DEFAULT_STEPS
    steps = None if problem.tmax is None else int(np.ceil(problem.tmax / dt - 1e-9))
    a_t = problem.net.matrix.T.tocsr()
    p_rec = -np.expm1(-gamma * dt)

    status = problem.initial.T.astype(np.int8)  # (n, runs)
    t_inf = np.where(problem.initial.T, 0.0, np.inf)
    t_rec = np.full((n, runs), np.inf) if model == "SIR" else None
    history = [_counts(status, model)]
    k = 0
    while steps is None or k < steps:
        infected = status == _I
        live = np.flatnonzero(infected.any(axis=0))
        if live.size == 0 and steps is None:
            break
        when = (k + 1) * dt
        if live.size:
            sub = status[:, live]
            pressure = a_t @ infected[:, live].astype(np.float64)
            susceptible = sub == _S
            if model == "SI" and steps is None and not (susceptible & (pressure > 0)).any():
                break
            p_inf = -np.expm1(-tau * dt * pressure)
            draws = rng.random((2, *sub.shape))
            new_inf = susceptible & (draws[0] < p_inf)
            new_rec = (sub == _I) & (draws[1] < p_rec) if gamma > 0 else None
            sub[new_inf] = _I
            if new_rec is not None:
                sub[new_rec] = _R if model == "SIR" else _S
                if t_rec is not None:
                    t_rec[:, live] = np.where(new_rec, when, t_rec[:, live])
            status[:, live] = sub
            t_inf[:, live] = np.where(new_inf, np.minimum(t_inf[:, live], when), t_inf[:, live])
        history.append(_counts(status, model))
        k += 1
    times = np.arange(len(history)) * dt
    counts = np.stack(history, axis=1)  # (runs, T, states)
    return DiffusionResults(
        model=model,
        method="fixed_step",
        states=problem.states,
        times=times,
        counts=counts,
        adoption_times=t_inf.T.copy(),
        final_states=status.T.copy(),
        labels=problem.net.labels,
        recovery_times=None if t_rec is None else t_rec.T.copy(),
        parameters=problem.parameters() | {"dt": dt},
    )


def _counts(status: np.ndarray, model: str) -> np.ndarray:
    n_states = 3 if model == "SIR" else 2
    return np.stack([np.count_nonzero(status == s, axis=0) for s in range(n_states)], axis=-1)
