"""Exact continuous-time SI and SIR by first-passage percolation, all runs in one shortest-path call.

In the Markovian SI and SIR models an infected node ``u`` transmits along the
edge ``u -> v`` after an exponential delay of rate ``tau * w_uv``, unless it
recovers first (after an exponential time of rate ``gamma``).  Drawing every
delay and infectious period up front, node ``v`` is infected at the length of
the shortest path from a seed to ``v``, each edge weighted by its delay and
edges whose delay exceeds their source's infectious period removed.  This is
the event-driven construction of Kiss, Miller & Simon (2017, ch. 4 and app. A)
behind EoN's ``fast_SIR``, and it has the same law as Gillespie's direct
method.  Here the graphs of ``runs`` runs are stacked into one block-diagonal
CSR matrix and :func:`scipy.sparse.csgraph.dijkstra` finds every infection time
of every run in one C call (in chunks of ``CHUNK_EDGES`` edges to bound memory).

References
----------
Kiss, I. Z., Miller, J. C. & Simon, P. L. (2017). *Mathematics of Epidemics on
Networks*. Springer. Sections 4.3 and A.1.2.

Examples
--------
>>> import numpy as np, networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> net = as_adjacency(nx.path_graph(4))
>>> t_inf, t_rec = infection_times(net, np.eye(4, dtype=bool)[[0, 0]], 1.0, 0.0, np.random.default_rng(0))
>>> t_inf.shape, bool(np.all(np.diff(t_inf, axis=1) > 0)), t_rec is None
((2, 4), True, True)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .graphs import NetworkAdjacency

__all__ = ["infection_times", "reachable", "CHUNK_EDGES"]

CHUNK_EDGES = 4_000_000  # edges per block-diagonal matrix (about 100 MB of working memory)


def _block_distances(net: NetworkAdjacency, delays: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """Shortest-path distances from each run's seeds, ``delays`` being ``(runs, nnz)`` edge weights."""
    runs, n = initial.shape
    mat = net.matrix
    nnz = mat.nnz
    indptr = (mat.indptr[:-1][None, :] + nnz * np.arange(runs)[:, None]).ravel()
    indptr = np.append(indptr, runs * nnz)
    indices = (mat.indices[None, :] + n * np.arange(runs)[:, None]).ravel()
    block = sp.csr_matrix((delays.ravel(), indices, indptr), shape=(runs * n, runs * n))
    sources = np.flatnonzero(initial.ravel())
    if sources.size == 0:
        return np.full((runs, n), np.inf)
    dist = dijkstra(block, directed=True, indices=sources, min_only=True)
    return np.asarray(dist).reshape(runs, n)


def _chunks(runs: int, nnz: int) -> list[slice]:
    size = max(1, CHUNK_EDGES // max(nnz, 1))
    return [slice(a, min(a + size, runs)) for a in range(0, runs, size)]


def infection_times(
    net: NetworkAdjacency,
    initial: np.ndarray,
    tau: float,
    gamma: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact infection (and recovery) times of every node in every run of SI (``gamma=0``) or SIR.

    Parameters
    ----------
    net : NetworkAdjacency
        The network (no self-loops, non-negative weights).
    initial : numpy.ndarray
        ``(runs, n)`` bool seeds, infected at time 0.
    tau : float
        Transmission rate per unit of edge weight.
    gamma : float
        Recovery rate; 0 gives the SI model.
    rng : numpy.random.Generator

    Returns
    -------
    t_inf : numpy.ndarray
        ``(runs, n)`` infection times (``inf`` for never infected).
    t_rec : numpy.ndarray or None
        ``(runs, n)`` recovery times, ``None`` when ``gamma == 0``.

    Examples
    --------
    >>> import networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> net = as_adjacency(nx.star_graph(3))
    >>> t_inf, t_rec = infection_times(net, np.eye(4, dtype=bool)[[0]], 1.0, 1.0, np.random.default_rng(2))
    >>> bool(np.all(t_rec[t_inf < np.inf] > t_inf[t_inf < np.inf]))
    True
    """
    runs, n = initial.shape
    mat = net.matrix
    nnz = mat.nnz
    sources = np.repeat(np.arange(n), np.diff(mat.indptr))  # source node of each stored edge
    rates = tau * mat.data
    t_inf = np.empty((runs, n))
    t_rec = None if gamma == 0 else np.empty((runs, n))
    for part in _chunks(runs, nnz):
        k = part.stop - part.start
        with np.errstate(divide="ignore"):
            delays = rng.standard_exponential((k, nnz)) / rates  # rate 0 -> inf: never transmits
        if gamma > 0:
            period = rng.standard_exponential((k, n)) / gamma
            delays[delays >= period[:, sources]] = np.inf  # recovered before transmitting
        dist = _block_distances(net, delays, initial[part])
        t_inf[part] = dist
        if t_rec is not None:
            t_rec[part] = dist + period
    return t_inf, t_rec


def reachable(net: NetworkAdjacency, initial: np.ndarray) -> np.ndarray:
    """Which nodes can be reached from each run's seeds along edges of positive weight.

    Examples
    --------
    >>> import networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> reachable(as_adjacency(nx.DiGraph([(0, 1), (2, 1)])), np.array([[True, False, False]]))
    array([[ True,  True, False]])
    """
    runs, _ = initial.shape
    out = np.empty(initial.shape, dtype=bool)
    weights = np.where(net.matrix.data > 0, 1.0, np.inf)
    for part in _chunks(runs, net.matrix.nnz):
        k = part.stop - part.start
        dist = _block_distances(net, np.broadcast_to(weights, (k, weights.size)), initial[part])
        out[part] = np.isfinite(dist)
    return out
