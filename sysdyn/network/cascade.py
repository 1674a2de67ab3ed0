"""Independent cascade and linear-threshold (complex contagion) adoption, in generations.

Both models move in discrete generations, all runs at once as ``(nodes, runs)``
arrays, each generation one sparse product.

*Independent cascade* (Goldenberg, Libai & Muller 2001; Kempe, Kleinberg &
Tardos 2003): a node that became active in generation ``g`` gets one chance, in
generation ``g + 1``, to activate each inactive out-neighbour ``v``, with
probability ``p_uv``.  The chance that ``v`` escapes all its newly active
in-neighbours is ``exp(sum_u log(1 - p_uv))``, a product of the newly-active
indicator with the matrix of ``log(1 - p_uv)``.

*Linear threshold* (Granovetter 1978; Watts 2002): an inactive node adopts when
the weight of its active in-neighbours, as a fraction of its in-strength
(``fraction=True``, the default) or as a count/total weight, reaches its
threshold.  Thresholds are fixed per node, or drawn uniformly on ``[0, 1)``
per node and run (``thresholds="uniform"``, Kempe et al.'s random model).

Examples
--------
>>> import numpy as np, networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> from sysdyn.network._problem import Problem
>>> p = Problem(as_adjacency(nx.path_graph(4)), "threshold", np.eye(4, dtype=bool)[[0]],
...             options={"thresholds": 0.5, "fraction": True})
>>> linear_threshold(p, np.random.default_rng(0)).adoption_times
array([[0., 1., 2., 3.]])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._problem import Problem
from .stochastic import DiffusionResults

__all__ = ["independent_cascade", "linear_threshold", "LOG_FLOOR"]

LOG_FLOOR = -800.0  # log(1 - p) for p = 1: exp(-800) is exactly 0.0 in float64


def _run_generations(problem: Problem, step, rng: np.random.Generator) -> DiffusionResults:
    """Iterate ``step(active, newly, rng) -> newly`` until no run changes (or ``tmax`` generations)."""
    active = problem.initial.T.copy()  # (n, runs)
    newly = active.copy()
    t_act = np.where(active, 0.0, np.inf)
    history = [active.sum(axis=0)]
    limit = np.inf if problem.tmax is None else int(problem.tmax)
    g = 0
    while g < limit and newly.any():
        newly = step(active, newly, rng)
        active |= newly
        g += 1
        t_act[newly] = g
        history.append(active.sum(axis=0))
    if problem.tmax is not None:  # report every generation up to tmax
        history += [history[-1]] * (int(limit) - g)
    ever = np.stack(history, axis=1)
    counts = np.stack([problem.n - ever, ever], axis=-1)
    return DiffusionResults(
        model=problem.model,
        method="generations",
        states=problem.states,
        times=np.arange(len(history), dtype=float),
        counts=counts,
        adoption_times=t_act.T.copy(),
        final_states=active.T.astype(np.int8),
        labels=problem.net.labels,
        parameters=problem.parameters(),
    )


def independent_cascade(problem: Problem, rng: np.random.Generator) -> DiffusionResults:
    """Simulate independent-cascade runs.

    Parameters
    ----------
    problem : Problem
        ``options["p"]`` is the activation probability of every edge, or
        ``None`` to read it from the edge weights (each in [0, 1]).
    rng : numpy.random.Generator

    Returns
    -------
    DiffusionResults
        ``times`` are generations; ``adoption_times`` the generation of activation.

    Examples
    --------
    With ``p = 1`` the hub of a star activates every leaf in the first generation:

    >>> import numpy as np, networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> p = Problem(as_adjacency(nx.star_graph(3)), "independent_cascade", np.eye(4, dtype=bool)[[0]],
    ...             options={"p": 1.0})
    >>> res = independent_cascade(p, np.random.default_rng(0))
    >>> res.adoption_times, res.counts[0].tolist()
    (array([[0., 1., 1., 1.]]), [[3, 1], [0, 4], [0, 4]])
    """
    mat = problem.net.matrix
    p = problem.options.get("p")
    probs = mat.data if p is None else np.full(mat.nnz, float(p))
    with np.errstate(divide="ignore"):
        logs = np.maximum(np.log1p(-probs), LOG_FLOOR)
    log_t = sp.csr_matrix((logs, mat.indices, mat.indptr), shape=mat.shape).T.tocsr()

    def step(active: np.ndarray, newly: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        live = np.flatnonzero(newly.any(axis=0))
        out = np.zeros_like(newly)
        escape = log_t @ newly[:, live].astype(np.float64)
        hit = rng.random(escape.shape) < -np.expm1(escape)
        out[:, live] = hit & ~active[:, live]
        return out

    return _run_generations(problem, step, rng)


def linear_threshold(problem: Problem, rng: np.random.Generator) -> DiffusionResults:
    """Simulate linear-threshold (complex contagion) runs.

    Parameters
    ----------
    problem : Problem
        ``options["thresholds"]``: a number, an ``(n,)`` array in node order,
        or ``"uniform"``; ``options["fraction"]``: compare the active fraction
        of in-strength (True) or the active weight itself (False).
    rng : numpy.random.Generator

    Returns
    -------
    DiffusionResults

    Examples
    --------
    One active leaf of a star is a third of the hub's neighbours: enough for a
    threshold of 0.3 (and then every leaf follows the hub), not for 0.5.

    >>> import numpy as np, networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> star = as_adjacency(nx.star_graph(3))
    >>> for theta in (0.3, 0.5):
    ...     p = Problem(star, "threshold", np.eye(4, dtype=bool)[[1]], options={"thresholds": theta})
    ...     print(linear_threshold(p, np.random.default_rng(0)).adoption_times)
    [[1. 0. 2. 2.]]
    [[inf  0. inf inf]]
    """
    n, runs = problem.n, problem.runs
    theta = problem.options.get("thresholds", 0.5)
    if isinstance(theta, str):  # "uniform": one draw per node and run, fixed for the run
        theta = rng.random((n, runs))
    else:
        theta = np.broadcast_to(np.asarray(theta, dtype=float).reshape(-1, 1), (n, runs))
    a_t = problem.net.matrix.T.tocsr()
    if problem.options.get("fraction", True):
        strength = problem.net.in_strength()
        with np.errstate(divide="ignore"):
            scale = np.where(strength > 0, 1.0 / strength, 0.0)
        a_t = sp.diags(scale) @ a_t
        reachable = (strength > 0)[:, None]
    else:
        reachable = np.ones((n, 1), dtype=bool)
    tol = 1e-12  # weights summing to the threshold exactly must adopt despite rounding

    def step(active: np.ndarray, newly: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        live = np.flatnonzero(newly.any(axis=0))
        out = np.zeros_like(newly)
        level = a_t @ active[:, live].astype(np.float64)
        out[:, live] = (level >= theta[:, live] - tol) & reachable & ~active[:, live]
        return out

    return _run_generations(problem, step, rng)
