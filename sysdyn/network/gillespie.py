"""Gillespie's direct method for SI, SIS and SIR, all runs in lockstep, with thinning.

Each infected node ``u`` is given the bounding rate ``tau * s_max + gamma``
(``s_max`` the largest out-strength of the network), so that a run with ``I``
infected nodes has total rate ``I * (tau * s_max + gamma)``.  At each step
every live run draws its waiting time, picks a uniformly random infected
node, and either recovers it (probability ``gamma / (tau s_max + gamma)``) or
makes a transmission attempt: with probability ``s_u / s_max`` it picks an
out-edge of ``u`` with probability proportional to its weight and infects the
target if it is susceptible; otherwise nothing happens (a "phantom" event).
Thinning makes this exact (Cota & Ferreira 2017), and it costs O(1) work per
event per run, so runs move in lockstep by event index as numpy arrays of
shape ``(runs,)`` without any loop over nodes or edges.

References
----------
Cota, W. & Ferreira, S. C. (2017). Optimized Gillespie algorithms for the
simulation of Markovian epidemic processes on large and heterogeneous
networks. *Computer Physics Communications* 219, 303–312.

Examples
--------
>>> import numpy as np, networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> from sysdyn.network._problem import Problem
>>> p = Problem(as_adjacency(nx.complete_graph(5)), "SIS", np.eye(5, dtype=bool)[[0, 0, 0]],
...             rate=1.0, recovery=1.0, tmax=2.0)
>>> res = direct(p, np.random.default_rng(0))
>>> res.counts.shape, int(res.counts[:, 0].sum(axis=1).max())
((3, 101, 2), 5)
"""

from __future__ import annotations

import numpy as np

from ._problem import Problem, report_grid
from .event_driven import reachable
from .stochastic import DiffusionResults, counts_on_grid

__all__ = ["direct"]

_S, _I, _R = 0, 1, 2


def direct(problem: Problem, rng: np.random.Generator) -> DiffusionResults:
    """Simulate SI, SIS or SIR runs exactly with the lockstep direct method.

    Parameters
    ----------
    problem : Problem
        ``model`` is ``"SI"``, ``"SIS"`` or ``"SIR"``; ``tmax`` is needed for SIS.
    rng : numpy.random.Generator

    Returns
    -------
    DiffusionResults

    Examples
    --------
    Without ``tmax``, SI on a path runs until every node is infected, in
    order along the path:

    >>> import numpy as np, networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> p = Problem(as_adjacency(nx.path_graph(4)), "SI", np.eye(4, dtype=bool)[[0, 0, 0]], rate=1.0)
    >>> res = direct(p, np.random.default_rng(0))
    >>> res.counts[:, -1].tolist(), bool((np.diff(res.adoption_times, axis=1) > 0).all())
    ([[0, 4], [0, 4], [0, 4]], True)
    """
    net, model = problem.net, problem.model
    runs, n = problem.runs, problem.n
    tau, gamma = float(problem.rate), float(problem.recovery) if model != "SI" else 0.0
    tmax = np.inf if problem.tmax is None else float(problem.tmax)
    grid = None if problem.tmax is None else report_grid(tmax, problem.dt)

    mat = net.matrix
    strength = net.out_strength()
    s_max = float(strength.max(initial=0.0))
    cum = np.cumsum(mat.data)
    start = mat.indptr[:-1]
    base = np.concatenate([[0.0], cum])[start]  # weight of the rows before each row
    last_edge = mat.indptr[1:] - 1
    bound = tau * s_max + gamma  # rate given to every infected node

    status = problem.initial.astype(np.int8)
    n_inf = status.sum(axis=1).astype(np.intp)
    inf_list = np.argsort(~problem.initial, axis=1, kind="stable").astype(np.intp)  # seeds first
    pos = np.argsort(inf_list, axis=1).astype(np.intp)
    t_inf = np.where(problem.initial, 0.0, np.inf)
    t_rec = np.full((runs, n), np.inf) if model == "SIR" else None
    t = np.zeros(runs)
    target = reachable(net, problem.initial).sum(axis=1) if model == "SI" else None

    record = model == "SIS"
    if record:
        rec_i = np.zeros((runs, len(grid)), dtype=np.int64)
        next_k = np.zeros(runs, dtype=np.intp)

    live = (n_inf > 0) & (bound > 0)
    if target is not None:
        live &= n_inf < target
    rows = np.arange(runs)
    while True:
        idx = rows[live]
        if idx.size == 0:
            break
        k = idx.size
        ni = n_inf[idx]
        t_new = t[idx] + rng.standard_exponential(k) / (ni * bound)
        if record:
            _record(rec_i, next_k, grid, idx, t_new, ni)
        u01 = rng.random((3, k))
        inside = t_new <= tmax
        slot = np.minimum((u01[0] * ni).astype(np.intp), ni - 1)
        u = inf_list[idx, slot]
        recover = inside & (u01[1] * bound < gamma)
        attempt = inside & ~recover
        if recover.any():
            r, s_r, u_r = idx[recover], slot[recover], u[recover]
            moved = inf_list[r, n_inf[r] - 1]
            inf_list[r, s_r] = moved
            pos[r, moved] = s_r
            n_inf[r] -= 1
            status[r, u_r] = _R if model == "SIR" else _S
            if t_rec is not None:
                t_rec[r, u_r] = t_new[recover]
        if attempt.any():
            r, u_a = idx[attempt], u[attempt]
            e = u01[2, attempt] * s_max
            ok = e < strength[u_a]
            r, u_a, e, when = r[ok], u_a[ok], e[ok], t_new[attempt][ok]
            edge = np.searchsorted(cum, base[u_a] + e, side="right")
            edge = np.clip(edge, start[u_a], last_edge[u_a])
            v = mat.indices[edge]
            new = status[r, v] == _S
            r, v, when = r[new], v[new], when[new]
            status[r, v] = _I
            inf_list[r, n_inf[r]] = v
            pos[r, v] = n_inf[r]
            n_inf[r] += 1
            t_inf[r, v] = np.minimum(t_inf[r, v], when)
        t[idx] = t_new
        done = ~inside | (n_inf[idx] == 0)
        if target is not None:
            done |= n_inf[idx] >= target[idx]
        live[idx[done]] = False

    if record:
        unfilled = np.arange(len(grid))[None, :] >= next_k[:, None]
        rec_i = np.where(unfilled, n_inf[:, None], rec_i)  # absorbed (or past tmax) before these times
        counts = np.stack([n - rec_i, rec_i], axis=-1)
    else:
        if grid is None:
            finite = t_inf[np.isfinite(t_inf)] if t_rec is None else t_rec[np.isfinite(t_rec)]
            horizon = float(finite.max(initial=0.0))
            grid = report_grid(horizon if horizon > 0 else 1.0, problem.dt)
        ever = counts_on_grid(t_inf, grid)
        if t_rec is None:
            counts = np.stack([n - ever, ever], axis=-1)
        else:
            gone = counts_on_grid(t_rec, grid)
            counts = np.stack([n - ever, ever - gone, gone], axis=-1)
    horizon = grid[-1]
    final = np.where(t_inf <= horizon, _I, _S).astype(np.int8)
    if t_rec is not None:
        final[t_rec <= horizon] = _R
    elif model == "SIS":
        final = (status == _I).astype(np.int8)
    return DiffusionResults(
        model=model,
        method="direct",
        states=problem.states,
        times=grid,
        counts=counts,
        adoption_times=t_inf,
        final_states=final,
        labels=problem.net.labels,
        recovery_times=t_rec,
        parameters=problem.parameters(),
    )


def _record(
    rec_i: np.ndarray,
    next_k: np.ndarray,
    grid: np.ndarray,
    idx: np.ndarray,
    t_new: np.ndarray,
    ni: np.ndarray,
) -> None:
    """Write the counts that hold until ``t_new`` at every grid time before ``t_new``."""
    T = len(grid)
    while True:
        k = next_k[idx]
        due = (k < T) & (grid[np.minimum(k, T - 1)] < t_new)
        if not due.any():
            return
        rec_i[idx[due], k[due]] = ni[due]
        next_k[idx[due]] += 1
