"""Operators over the edges of a network dimension, as the compiled right-hand side calls them.

Equations of a model with a network dimension (see :meth:`sysdyn.Model.network`)
may use these functions; ``x`` is any expression that varies over the network
(``Knowledge``, ``Knowledge / ceiling``...), ``w_ij`` the weight of the edge
from node ``i`` to node ``j``:

=====================================  ===================================================
``NEIGHBOR_SUM(x)``                    ``sum_j w_ij x_j``: the matrix product ``A @ x``
``NEIGHBOR_MEAN(x)``                   ``sum_j w_ij x_j / sum_j w_ij`` (0 without neighbours)
``NEIGHBOR_MAX(x)``, ``NEIGHBOR_MIN``  largest / smallest ``x_j`` over the neighbours (0 without)
``DIFFUSION(x)``                       ``sum_j w_ij (x_j - x_i)``: minus the graph Laplacian
``DEGREE(team)``                       the number of neighbours of each node
``OWN(x)``                             inside a ``NEIGHBOR_`` function: the node's own ``x_i``
``NODE_DATA(team)``                    the per-node values stored for this variable
=====================================  ===================================================

The neighbours of node ``i`` are the ``j`` with an edge ``i -> j`` (networkx's
``G.neighbors``, the successors in a DiGraph).  ``IN_`` variants
(``IN_NEIGHBOR_SUM``, ``IN_DIFFUSION``, ``IN_DEGREE``...) use the edges ``j -> i``
instead (the predecessors: who a node hears from when an edge ``u -> v`` means
"u tells v"), and ``OUT_`` variants say the default explicitly; in an undirected
graph they are all the same.  The British spelling ``NEIGHBOUR_`` works too.

The argument of a ``NEIGHBOR_`` function is read at the neighbour; ``OWN(x)``
reads it at the node itself, so edge-wise terms are written directly:
``NEIGHBOR_SUM(MAX(Knowledge - OWN(Knowledge), 0))`` is what a node can learn
from the neighbours who know more, and ``NEIGHBOR_SUM(Knowledge - OWN(Knowledge))``
is ``DIFFUSION(Knowledge)``.  A second argument names the network when the
argument varies over two of them, or over none: ``NEIGHBOR_SUM(1, team)`` is
each node's total edge weight.

Everything runs as sparse matrix products or gathers over edge arrays: an
operator without ``OWN`` is ``A @ x`` (or one gather and one ``reduceat``
for ``MAX``/``MIN``); with ``OWN``, the expression is evaluated once per edge on
arrays gathered at the edges' two ends, then summed by a sparse product.  There
is no Python loop over nodes or edges, for single runs and for ensembles (whose
runs are one more axis of the arrays), with the same graph for every run or one
graph per run (a :func:`block-diagonal <scipy.sparse.block_diag>` product).

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> m = sd.Model("Averaging", stop=40, dt=0.5)
>>> team = m.network("team", nx.path_graph(4))
>>> m.stock("Opinion[team]", initial=[0, 0, 0, 8], inflows=["Persuasion[team]"])
>>> m.flow("Persuasion[team]", "0.5 * DIFFUSION(Opinion)")
>>> m.aux("Neighbours[team]", "DEGREE(team)")
>>> res = m.run()
>>> res["Opinion"][-1].round(2), res["Neighbours"][0]
(array([2., 2., 2., 2.]), array([1., 2., 2., 1.]))
"""

from __future__ import annotations

import bisect
import math
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .dimension import NetworkDimension

__all__ = ["GraphOperator", "GraphStackOperator", "NetworkRuntime"]


def layout(values: np.ndarray, axis: int) -> np.ndarray:
    """Per-node ``values`` (first axis) placed at ``axis`` (counted from the right) for broadcasting.

    Examples
    --------
    >>> layout(np.arange(3.0), -2).shape
    (3, 1)
    """
    extra = -axis - values.ndim
    return values.reshape(values.shape[:1] + (1,) * extra + values.shape[1:]) if extra > 0 else values


def _padded(x, axis: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim < -axis:
        x = x.reshape((1,) * (-axis - x.ndim) + x.shape)
    return x


def _align(x, axis: int, length: int) -> np.ndarray:
    """``x`` with ``length`` entries along ``axis`` (broadcast if it has one)."""
    x = _padded(x, axis)
    if x.shape[axis] != length:
        shape = list(x.shape)
        shape[axis] = length
        x = np.broadcast_to(x, shape)
    return x


def _varies(x, axis: int) -> bool:
    return np.ndim(x) >= -axis and np.shape(x)[axis] != 1


def _apply(mat: sp.csr_matrix, x: np.ndarray, axis: int) -> np.ndarray:
    """``mat @ x`` along ``axis`` of ``x``."""
    if x.ndim == 1:
        return mat @ x
    first = axis == -x.ndim
    front = x if first else np.moveaxis(x, axis, 0)
    out = mat @ front.reshape(front.shape[0], -1)
    out = np.asarray(out).reshape((mat.shape[0], *front.shape[1:]))
    return out if first else np.moveaxis(out, 0, axis)


def _inverse(strength: np.ndarray) -> np.ndarray:
    """``1 / strength``, and 0 where the strength is 0 (a mean over no neighbours is 0)."""
    return np.divide(1.0, strength, out=np.zeros(strength.shape), where=strength != 0)


def _extreme(how: str, front: np.ndarray, starts: np.ndarray, nonempty: np.ndarray, n: int) -> np.ndarray:
    """Max or min of consecutive segments of ``front`` (first axis); rows without a segment get 0."""
    out = np.zeros((n, *front.shape[1:]))
    if len(starts):
        ufunc = np.maximum if how == "max" else np.minimum
        out[nonempty] = ufunc.reduceat(front, starts, axis=0)
    return out


class GraphOperator:
    """Neighbour sums, means, extremes and diffusion over one sparse adjacency matrix.

    ``x`` arrays carry the nodes along ``axis`` (negative: counted from the
    right, as the compiled code lays them out, with any trailing run axis);
    a value that does not vary over the nodes is broadcast.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        ``(n, n)``, ``[i, j]`` the weight of the edge from ``i`` to ``j``;
        row ``i`` lists the neighbours of ``i``.

    Examples
    --------
    >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> op.reduce("sum", x, -1), op.reduce("max", x, -1), op.diffusion(x, -1)
    (array([6., 1., 1.]), array([4., 1., 1.]), array([ 4., -1., -3.]))
    >>> op.edges("sum", np.maximum(op.neighbour(x, -1) - op.own(x, -1), 0), -1)  # learn from who knows more
    array([4., 0., 0.])
    """

    def __init__(self, matrix: sp.csr_matrix):
        self.matrix = sp.csr_matrix(matrix)
        self.n = self.matrix.shape[0]

    @cached_property
    def cols(self) -> np.ndarray:
        """The neighbour end ``j`` of each edge, in CSR order."""
        return self.matrix.indices.astype(np.intp)

    @cached_property
    def rows(self) -> np.ndarray:
        """The node end ``i`` of each edge, in CSR order."""
        return np.repeat(np.arange(self.n, dtype=np.intp), np.diff(self.matrix.indptr))

    @cached_property
    def strength(self) -> np.ndarray:
        """The total weight of each node's edges."""
        return np.asarray(self.matrix.sum(axis=1), dtype=float).ravel()

    @cached_property
    def inverse_strength(self) -> np.ndarray:
        """``1 / strength`` (0 for nodes without edges): a mean is a sum times this."""
        return _inverse(self.strength)

    @cached_property
    def degree(self) -> np.ndarray:
        """The number of each node's edges."""
        return np.diff(self.matrix.indptr).astype(float)

    @cached_property
    def incidence(self) -> sp.csr_matrix:
        """``(n, edges)``: the weight of each edge in the row of its node end (sums edge values per node)."""
        m = self.matrix
        return sp.csr_matrix(
            (m.data, np.arange(m.nnz, dtype=m.indices.dtype), m.indptr), shape=(self.n, m.nnz)
        )

    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray]:
        counts = np.diff(self.matrix.indptr)
        nonempty = counts > 0
        return self.matrix.indptr[:-1][nonempty].astype(np.intp), nonempty

    # -- node-level operators ------------------------------------------------------------------------
    def reduce(self, how: str, x, axis: int) -> np.ndarray:
        """``sum``, ``mean``, ``max`` or ``min`` of ``x`` over each node's neighbours.

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> op.reduce("mean", np.array([1.0, 2.0, 4.0]), -1)
        array([3., 1., 1.])
        >>> op.reduce("sum", np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 40.0]]), -2)  # nodes x runs
        array([[ 6., 60.],
               [ 1., 10.],
               [ 1., 10.]])
        """
        if how in ("max", "min"):
            return self.edges(how, self.neighbour(x, axis), axis)
        total = _apply(self.matrix, _align(x, axis, self.n), axis)
        return total if how == "sum" else total * layout(self.inverse_strength, axis)

    def diffusion(self, x, axis: int) -> np.ndarray:
        """``sum_j w_ij (x_j - x_i)``.

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> op.diffusion(np.array([1.0, 2.0, 4.0]), -1)  # sums to zero: diffusion conserves x
        array([ 4., -1., -3.])
        """
        x = _align(x, axis, self.n)
        return _apply(self.matrix, x, axis) - layout(self.strength, axis) * x

    def node_degree(self, axis: int) -> np.ndarray:
        """The degree of each node, laid out at ``axis``.

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> op.node_degree(-1), op.node_degree(-2).shape
        (array([2., 1., 1.]), (3, 1))
        """
        return layout(self.degree, axis)

    # -- edge-level operators ------------------------------------------------------------------------
    def neighbour(self, x, axis: int):
        """``x`` at the neighbour end of every edge (unchanged if it does not vary over the nodes).

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> op.neighbour(np.array([1.0, 2.0, 4.0]), -1), op.neighbour(5.0, -1)  # edges 0-1, 0-2, 1-0, 2-0
        (array([2., 4., 1., 1.]), 5.0)
        """
        if not _varies(x, axis):
            return x
        return x[self.cols] if np.ndim(x) == 1 else np.take(x, self.cols, axis=axis)

    def own(self, x, axis: int):
        """``x`` at the node end of every edge (unchanged if it does not vary over the nodes).

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> op.own(np.array([1.0, 2.0, 4.0]), -1)  # edges 0-1, 0-2, 1-0, 2-0
        array([1., 1., 2., 4.])
        """
        if not _varies(x, axis):
            return x
        return x[self.rows] if np.ndim(x) == 1 else np.take(x, self.rows, axis=axis)

    def edges(self, how: str, values, axis: int) -> np.ndarray:
        """``sum``, ``mean``, ``max`` or ``min`` of per-edge ``values`` over each node's edges.

        Examples
        --------
        >>> op = GraphOperator(sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)))
        >>> per_edge = np.array([1.0, 2.0, 3.0, 4.0])  # edges 0-1, 0-2, 1-0, 2-0
        >>> op.edges("sum", per_edge, -1), op.edges("max", per_edge, -1)
        (array([3., 3., 4.]), array([2., 3., 4.]))
        """
        values = _align(values, axis, self.matrix.nnz)
        if how in ("sum", "mean"):
            total = _apply(self.incidence, values, axis)
            return total if how == "sum" else total * layout(self.inverse_strength, axis)
        starts, nonempty = self._segments
        front = np.moveaxis(values, axis, 0)
        return np.moveaxis(_extreme(how, front, starts, nonempty, self.n), 0, axis)


class GraphStackOperator:
    """The operators of :class:`GraphOperator` with one graph per run (the last axis of ``x``).

    The graphs act as one block-diagonal matrix on the runs laid end to end;
    each run's edges are padded to the largest edge count, so per-edge arrays
    keep their run axis and broadcast against per-run parameters.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])
    >>> stack.reduce("sum", np.array([[1.0, 1.0], [2.0, 2.0]]), -2)  # nodes x runs
    array([[2., 0.],
           [1., 0.]])
    """

    def __init__(self, matrices: list[sp.csr_matrix]):
        self.mats = [sp.csr_matrix(m) for m in matrices]
        self.runs = len(self.mats)
        self.n = self.mats[0].shape[0]

    @cached_property
    def block(self) -> sp.csr_matrix:
        """The block-diagonal matrix of all runs."""
        return sp.block_diag(self.mats, format="csr")

    @cached_property
    def strength(self) -> np.ndarray:
        """``(n, runs)`` total edge weight per node and run."""
        return np.stack([np.asarray(m.sum(axis=1), dtype=float).ravel() for m in self.mats], axis=1)

    @cached_property
    def inverse_strength(self) -> np.ndarray:
        """``(n, runs)`` ``1 / strength`` (0 for nodes without edges)."""
        return _inverse(self.strength)

    @cached_property
    def degree(self) -> np.ndarray:
        """``(n, runs)`` number of edges per node and run."""
        return np.stack([np.diff(m.indptr).astype(float) for m in self.mats], axis=1)

    @cached_property
    def _edges(self) -> dict:
        n, runs = self.n, self.runs
        width = max(1, max(m.nnz for m in self.mats))
        ghost = np.ones((runs, width), dtype=bool)
        cols = np.zeros((runs, width), dtype=np.intp)
        rows = np.zeros((runs, width), dtype=np.intp)
        s_rows, s_cols, s_data = [], [], []
        for r, m in enumerate(self.mats):  # one pass per run (graph), none per node or edge
            k = m.nnz
            ghost[r, :k] = False
            r_rows = np.repeat(np.arange(n, dtype=np.intp), np.diff(m.indptr))
            cols[r, :k] = m.indices
            rows[r, :k] = r_rows
            s_rows.append(r * n + r_rows)
            s_cols.append(r * width + np.arange(k))
            s_data.append(m.data)
        offsets = (np.arange(runs) * n)[:, None]
        incidence = sp.csr_matrix(
            (np.concatenate(s_data), (np.concatenate(s_rows), np.concatenate(s_cols))),
            shape=(runs * n, runs * width),
        )
        # max/min: segments of the flattened (run-major) edge array, one per node with edges
        big_rows = np.where(ghost, -1, rows + offsets).ravel()
        real = np.flatnonzero(big_rows >= 0)
        first = real[np.r_[True, np.diff(big_rows[real]) != 0]] if len(real) else real
        nonempty = np.zeros(runs * n, dtype=bool)
        nonempty[big_rows[first]] = True
        return {
            "width": width,
            "ghost": ghost.ravel(),
            "cols": (cols + offsets).ravel(),
            "rows": (rows + offsets).ravel(),
            "incidence": incidence,
            "starts": first,
            "nonempty": nonempty,
        }

    # -- run-major layout ----------------------------------------------------------------------------
    def _flat(self, x, axis: int, length: int) -> tuple[np.ndarray, tuple[int, ...], int]:
        x = _align(x, axis, length)
        if x.shape[-1] != self.runs:
            if x.shape[-1] != 1:
                raise ValueError(f"{x.shape[-1]} runs for a network with {self.runs} graphs")
            x = np.broadcast_to(x, (*x.shape[:-1], self.runs))
        moved = np.moveaxis(x, [-1, axis], [0, 1])
        return moved.reshape(self.runs * length, -1), moved.shape[2:], x.ndim

    def _back(self, flat: np.ndarray, length: int, rest: tuple[int, ...], axis: int, ndim: int) -> np.ndarray:
        moved = np.asarray(flat).reshape((self.runs, length, *rest))
        return np.moveaxis(moved, [0, 1], [ndim - 1, ndim + axis])

    def _per_run(self, values: np.ndarray, axis: int) -> np.ndarray:
        """``(n, runs)`` values laid out at ``axis`` with the runs last."""
        extra = -axis - 2
        return values.reshape((self.n,) + (1,) * extra + (self.runs,)) if extra > 0 else values

    # -- operators -----------------------------------------------------------------------------------
    def reduce(self, how: str, x, axis: int) -> np.ndarray:
        """See :meth:`GraphOperator.reduce`.

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.reduce("mean", x, -2)
        array([[3., 0.],
               [1., 0.]])
        """
        if how in ("max", "min"):
            return self.edges(how, self.neighbour(x, axis), axis)
        flat, rest, ndim = self._flat(x, axis, self.n)
        total = self._back(self.block @ flat, self.n, rest, axis, ndim)
        return total if how == "sum" else total * self._per_run(self.inverse_strength, axis)

    def diffusion(self, x, axis: int) -> np.ndarray:
        """See :meth:`GraphOperator.diffusion`.

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.diffusion(x, -2)
        array([[ 2.,  0.],
               [-2.,  0.]])
        """
        return self.reduce("sum", x, axis) - self._per_run(self.strength, axis) * np.asarray(x, dtype=float)

    def node_degree(self, axis: int) -> np.ndarray:
        """See :meth:`GraphOperator.node_degree`.

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.node_degree(-2)
        array([[1., 0.],
               [1., 0.]])
        """
        return self._per_run(self.degree, axis)

    def _gather(self, x, axis: int, which: str):
        if not _varies(x, axis):
            return x
        e = self._edges
        flat, rest, ndim = self._flat(x, axis, self.n)
        return self._back(flat[e[which]], e["width"], rest, axis, ndim)

    def neighbour(self, x, axis: int):
        """See :meth:`GraphOperator.neighbour`.

        Per-edge arrays have one row per edge of the run with the most edges
        (runs with fewer carry padding that :meth:`edges` ignores).

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.neighbour(x, -2)[:, 0]  # run 1: edges 0-1, 1-0
        array([3., 1.])
        """
        return self._gather(x, axis, "cols")

    def own(self, x, axis: int):
        """See :meth:`GraphOperator.own`.

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.own(x, -2)[:, 0]  # run 1: edges 0-1, 1-0
        array([1., 3.])
        """
        return self._gather(x, axis, "rows")

    def edges(self, how: str, values, axis: int) -> np.ndarray:
        """See :meth:`GraphOperator.edges`.

        Examples
        --------
        >>> a = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> stack = GraphStackOperator([a, sp.csr_matrix((2, 2))])  # run 2 has no edges
        >>> x = np.array([[1.0, 1.0], [3.0, 3.0]])  # nodes x runs
        >>> stack.edges("sum", stack.neighbour(x, -2) - stack.own(x, -2), -2)  # = diffusion(x)
        array([[ 2.,  0.],
               [-2.,  0.]])
        """
        e = self._edges
        flat, rest, ndim = self._flat(values, axis, e["width"])
        if how in ("sum", "mean"):
            total = self._back(e["incidence"] @ flat, self.n, rest, axis, ndim)
            return total if how == "sum" else total * self._per_run(self.inverse_strength, axis)
        flat = np.array(flat)
        flat[e["ghost"]] = -np.inf if how == "max" else np.inf
        out = _extreme(how, flat, e["starts"], e["nonempty"], self.runs * self.n)
        return self._back(out, self.n, rest, axis, ndim)


class _GraphSet:
    """The operators of one graph: along its edges (``out``) and against them (``in``)."""

    def __init__(self, graphs: list, directed: bool):
        self._graphs = graphs
        self._directed = directed
        self._ops: dict[str, GraphOperator | GraphStackOperator] = {}

    def op(self, way: str) -> GraphOperator | GraphStackOperator:
        """The operator for ``way`` (``"out"`` or ``"in"``)."""
        if not self._directed:
            way = "out"
        found = self._ops.get(way)
        if found is None:
            mats = [g.matrix if way == "out" else g.matrix.T.tocsr() for g in self._graphs]
            found = GraphOperator(mats[0]) if len(mats) == 1 else GraphStackOperator(mats)
            self._ops[way] = found
        return found


class NetworkRuntime:
    """Everything the compiled code of a model needs about one network dimension (its ``_nw[k]``).

    ``at(tk)`` gives the operators of the graph in force at ``tk``;
    ``node_data(i, axis)`` the ``i``-th stored per-node values.

    Examples
    --------
    >>> import networkx as nx
    >>> from sysdyn.network.dimension import network_dimension
    >>> rt = NetworkRuntime(network_dimension("t", nx.path_graph(3), changes=[(2.0, nx.empty_graph(3))]))
    >>> rt.at(0.0).op("out").node_degree(-1), rt.at(2.0).op("out").node_degree(-1)
    (array([1., 2., 1.]), array([0., 0., 0.]))
    """

    def __init__(self, dimension: NetworkDimension):
        self.name = dimension.name
        self.n = dimension.size
        self.n_runs = dimension.n_runs
        self.switches = bool(dimension.schedule)
        self._data = [values.values for _key, values in dimension.node_data]
        directed = dimension.directed
        if dimension.ensemble:
            self._times = [-math.inf]
            self._sets = [_GraphSet(list(dimension.ensemble), directed)]
        else:
            self._times = [-math.inf, *(t for t, _g in dimension.schedule)]
            graphs = [dimension.adjacency, *(g for _t, g in dimension.schedule)]
            self._sets = [_GraphSet([g], directed) for g in graphs]

    @property
    def change_times(self) -> tuple[float, ...]:
        """The times at which another graph comes into force."""
        return tuple(self._times[1:])

    def at(self, tk: float) -> _GraphSet:
        """The operators of the graph in force at time ``tk``.

        Examples
        --------
        >>> import networkx as nx
        >>> from sysdyn.network.dimension import network_dimension
        >>> rt = NetworkRuntime(network_dimension("t", nx.path_graph(3), changes=[(2.0, nx.empty_graph(3))]))
        >>> rt.change_times, rt.at(1.99).op("out").degree, rt.at(2.0).op("out").degree
        ((2.0,), array([1., 2., 1.]), array([0., 0., 0.]))
        """
        if len(self._sets) == 1:
            return self._sets[0]
        i = bisect.bisect_right(self._times, tk + 1e-9 * max(1.0, abs(tk))) - 1
        return self._sets[i]

    def node_data(self, index: int, axis: int) -> np.ndarray:
        """Stored per-node values, laid out at ``axis``.

        Examples
        --------
        >>> import networkx as nx
        >>> from sysdyn.network.dimension import network_dimension
        >>> dim = network_dimension("t", nx.path_graph(3), node_attributes={"size": [1.0, 2.0, 3.0]})
        >>> rt = NetworkRuntime(dim)
        >>> rt.node_data(0, -1), rt.node_data(0, -2).shape
        (array([1., 2., 3.]), (3, 1))
        """
        return layout(self._data[index], axis)
