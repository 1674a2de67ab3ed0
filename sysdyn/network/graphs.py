"""One representation of a network: a CSR adjacency matrix with node labels.

Everything in :mod:`sysdyn.network` works on a :class:`NetworkAdjacency`, built
by :func:`as_adjacency` from whatever the user has: a ``networkx`` Graph or
DiGraph, a square ``scipy.sparse`` matrix, or arrays of edges (for graphs too big
for networkx's dictionaries).

Convention: ``matrix[i, j]`` is the weight of the edge **from** node ``i`` **to**
node ``j`` (the convention of :func:`networkx.to_scipy_sparse_array`).  An
undirected graph is stored with both directions, so its matrix is symmetric.
Duplicate edges are summed; self-loops are kept (drop them with
:meth:`NetworkAdjacency.without_self_loops`).

Examples
--------
>>> import networkx as nx
>>> net = as_adjacency(nx.path_graph(["ann", "bo", "cy"]))
>>> net.labels, net.directed, net.n_edges
(('ann', 'bo', 'cy'), False, 2)
>>> net.matrix.toarray()
array([[0., 1., 0.],
       [1., 0., 1.],
       [0., 1., 0.]])
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..errors import SysdynError

__all__ = ["NetworkAdjacency", "as_adjacency", "NetworkError"]


class NetworkError(SysdynError):
    """A graph, adjacency matrix, edge list or node label is not valid."""


@dataclass(frozen=True, eq=False)
class NetworkAdjacency:
    """A network as a CSR adjacency matrix plus the labels of its nodes.

    Build one with :func:`as_adjacency`.  The matrix is read-only in spirit:
    methods return new objects and never change this one.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        ``(n, n)`` float64 weights; ``matrix[i, j]`` is the edge ``i -> j``.
        Indices are sorted and duplicates summed.
    labels : tuple
        The node labels, in matrix order (any hashable values).
    directed : bool
        Whether the edges are directed.  An undirected network has a
        symmetric matrix.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> net = NetworkAdjacency(sp.csr_matrix([[0.0, 2.0], [0.0, 0.0]]), ("a", "b"), True)
    >>> net.out_strength(), net.in_degree()
    (array([2., 0.]), array([0, 1]))
    """

    matrix: sp.csr_matrix
    labels: tuple
    directed: bool

    def __post_init__(self) -> None:
        mat = self.matrix
        if not isinstance(mat, sp.csr_matrix):
            mat = sp.csr_matrix(mat)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
            raise NetworkError(f"an adjacency matrix must be square; this one has shape {mat.shape}")
        mat = mat.astype(np.float64, copy=False)
        mat.sum_duplicates()  # also sorts the indices
        labels = tuple(self.labels)
        if len(labels) != mat.shape[0]:
            raise NetworkError(
                f"`labels` must name each of the {mat.shape[0]} nodes; {len(labels)} labels were given"
            )
        if len(set(labels)) != len(labels):
            raise NetworkError("node labels must be distinct; `labels` holds duplicates")
        object.__setattr__(self, "matrix", mat)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "directed", bool(self.directed))

    # -- sizes -----------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """The number of nodes.

        Examples
        --------
        >>> as_adjacency(nx.complete_graph(4)).n
        4
        """
        return self.matrix.shape[0]

    @property
    def n_edges(self) -> int:
        """The number of edges (an undirected edge counts once, a self-loop once).

        Examples
        --------
        >>> as_adjacency(nx.complete_graph(4)).n_edges, as_adjacency(nx.complete_graph(4, nx.DiGraph)).n_edges
        (6, 12)
        """
        nnz = self.matrix.nnz
        if self.directed:
            return nnz
        loops = int(np.count_nonzero(self.matrix.diagonal()))
        return (nnz - loops) // 2 + loops

    # -- labels ----------------------------------------------------------------------------------
    def index(self, nodes: Iterable[Hashable]) -> np.ndarray:
        """The matrix positions of node labels.

        Parameters
        ----------
        nodes : iterable of hashable
            Node labels of this network.

        Returns
        -------
        numpy.ndarray
            Integer positions, in the order given.

        Raises
        ------
        NetworkError
            If a label is not a node of the network.

        Examples
        --------
        >>> as_adjacency(nx.path_graph(["a", "b", "c"])).index(["c", "a"])
        array([2, 0])
        """
        lookup = self._lookup()
        out = []
        for node in nodes:
            try:
                out.append(lookup[node])
            except (KeyError, TypeError):
                shown = ", ".join(repr(x) for x in self.labels[:5]) + (", ..." if self.n > 5 else "")
                raise NetworkError(f"{node!r} is not a node of the network (nodes: {shown})") from None
        return np.asarray(out, dtype=np.intp)

    def _lookup(self) -> dict:
        cached = self.__dict__.get("_lookup_cache")
        if cached is None:
            cached = {label: i for i, label in enumerate(self.labels)}
            object.__setattr__(self, "_lookup_cache", cached)
        return cached

    # -- degrees ---------------------------------------------------------------------------------
    def out_degree(self) -> np.ndarray:
        """The number of edges leaving each node (the degree, if undirected).

        Examples
        --------
        >>> as_adjacency(nx.star_graph(3)).out_degree()
        array([3, 1, 1, 1])
        """
        return np.diff(self.matrix.indptr).astype(np.int64)

    def in_degree(self) -> np.ndarray:
        """The number of edges entering each node.

        Examples
        --------
        >>> as_adjacency(nx.DiGraph([(0, 1), (2, 1)])).in_degree()
        array([0, 2, 0])
        """
        return np.bincount(self.matrix.indices, minlength=self.n).astype(np.int64)

    def out_strength(self) -> np.ndarray:
        """The total weight of the edges leaving each node.

        Examples
        --------
        >>> G = nx.Graph(); G.add_edge("a", "b", weight=2.5)
        >>> as_adjacency(G).out_strength()
        array([2.5, 2.5])
        """
        return np.asarray(self.matrix.sum(axis=1)).ravel()

    def in_strength(self) -> np.ndarray:
        """The total weight of the edges entering each node.

        Examples
        --------
        >>> as_adjacency(nx.DiGraph([(0, 1), (2, 1)])).in_strength()
        array([0., 2., 0.])
        """
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    # -- derived networks ------------------------------------------------------------------------
    def reverse(self) -> NetworkAdjacency:
        """The network with every edge turned around (the transpose).

        Examples
        --------
        >>> as_adjacency(nx.DiGraph([(0, 1)])).reverse().matrix.toarray()
        array([[0., 0.],
               [1., 0.]])
        """
        return NetworkAdjacency(self.matrix.T.tocsr(), self.labels, self.directed)

    def without_self_loops(self) -> NetworkAdjacency:
        """The network without edges from a node to itself.

        Examples
        --------
        >>> net = as_adjacency(sp.csr_matrix([[1.0, 1.0], [1.0, 0.0]]))
        >>> net.without_self_loops().matrix.toarray()
        array([[0., 1.],
               [1., 0.]])
        """
        mat = self.matrix.tolil(copy=True)
        mat.setdiag(0)
        mat = mat.tocsr()
        mat.eliminate_zeros()
        return NetworkAdjacency(mat, self.labels, self.directed)

    def to_networkx(self) -> nx.Graph:
        """A networkx Graph (or DiGraph) with the same nodes and ``weight`` edge attributes.

        Examples
        --------
        >>> as_adjacency(nx.path_graph(3)).to_networkx().edges(data="weight")
        EdgeDataView([(0, 1, 1.0), (1, 2, 1.0)])
        """
        create = nx.DiGraph if self.directed else nx.Graph
        G = nx.from_scipy_sparse_array(self.matrix, create_using=create)
        return nx.relabel_nodes(G, dict(enumerate(self.labels)), copy=False)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"NetworkAdjacency({self.n} nodes, {self.n_edges} {kind} edges)"


def as_adjacency(
    graph_or_matrix: Any,
    weight: str | None = "weight",
    nodes: Sequence[Hashable] | None = None,
    *,
    directed: bool | None = None,
) -> NetworkAdjacency:
    """Turn a graph, a sparse matrix or arrays of edges into a :class:`NetworkAdjacency`.

    Parameters
    ----------
    graph_or_matrix : networkx.Graph, scipy.sparse matrix, tuple of arrays, array or NetworkAdjacency
        - a networkx ``Graph``/``DiGraph`` (multigraph edges are summed);
        - a square ``scipy.sparse`` matrix or array (or dense 2-D array),
          ``[i, j]`` being the edge ``i -> j``;
        - ``(sources, targets)`` or ``(sources, targets, weights)`` arrays, or an
          ``(m, 2)``/``(m, 3)`` array of such rows;
        - a :class:`NetworkAdjacency` (returned as is when no other argument asks for a change).
    weight : str or None, default "weight"
        For networkx graphs, the edge attribute holding the weight (edges
        without it weigh 1); ``None`` gives every edge weight 1.
    nodes : sequence of hashable, optional
        For a networkx graph, the nodes to keep and their order (default: the
        graph's order).  For a matrix, the labels of its rows (default
        ``0..n-1``).  For edge arrays, the node labels the sources and targets
        refer to (default: the sources and targets are positions ``0..n-1``,
        ``n`` being one more than the largest).
    directed : bool, optional
        For a matrix: ``None`` (default) infers it (a symmetric matrix is
        undirected); ``False`` insists on symmetry.  For edge arrays: ``None``
        or ``True`` keeps each row as one directed edge, ``False`` adds the
        reverse of each edge.  Ignored for networkx graphs, whose type decides.

    Returns
    -------
    NetworkAdjacency

    Raises
    ------
    NetworkError
        For a non-square or asymmetric-but-undirected matrix, non-finite
        weights, unknown node labels or malformed edge arrays.

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> net = as_adjacency((np.array([0, 1]), np.array([1, 2]), np.array([0.5, 2.0])))
    >>> net, float(net.matrix[1, 2])
    (NetworkAdjacency(3 nodes, 2 directed edges), 2.0)
    >>> as_adjacency((["a"], ["b"]), nodes=["a", "b", "c"], directed=False).matrix.toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    >>> as_adjacency(nx.DiGraph([("x", "y")]), weight=None).labels
    ('x', 'y')
    """
    obj = graph_or_matrix
    if isinstance(obj, NetworkAdjacency):
        if nodes is None and directed is None:
            return obj
        keep = True if obj.directed else None
        return _from_matrix(
            obj.matrix, obj.labels if nodes is None else nodes, keep if directed is None else directed
        )
    if isinstance(obj, nx.Graph):
        return _from_networkx(obj, weight, nodes)
    if sp.issparse(obj):
        return _from_matrix(obj, nodes, directed)
    if isinstance(obj, tuple | list) and len(obj) in (2, 3) and all(np.ndim(a) == 1 for a in obj):
        return _from_edges(*obj, nodes=nodes, directed=directed)
    arr = np.asarray(obj) if isinstance(obj, np.ndarray | list) else None
    if arr is not None and arr.ndim == 2 and arr.shape[1] in (2, 3) and arr.shape[0] != arr.shape[1]:
        cols = [arr[:, i] for i in range(arr.shape[1])]
        return _from_edges(*cols, nodes=nodes, directed=directed)
    if arr is not None and arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        return _from_matrix(sp.csr_matrix(arr.astype(np.float64)), nodes, directed)
    raise NetworkError(
        "expected a networkx Graph/DiGraph, a square scipy.sparse matrix, or (sources, targets[, weights]) "
        f"arrays; got {type(obj).__name__}"
    )


def _check_weights(data: np.ndarray) -> None:
    if data.size and not np.all(np.isfinite(data)):
        raise NetworkError("edge weights must be finite numbers; found NaN or infinity")


def _from_networkx(G: nx.Graph, weight: str | None, nodes: Sequence[Hashable] | None) -> NetworkAdjacency:
    nodelist = list(G.nodes) if nodes is None else list(nodes)
    missing = [x for x in nodelist if x not in G]
    if missing:
        raise NetworkError(f"{missing[0]!r} is given in `nodes` but is not a node of the graph")
    try:
        mat = nx.to_scipy_sparse_array(G, nodelist=nodelist, weight=weight, format="csr", dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise NetworkError(f"edge attribute {weight!r} must hold numbers: {err}") from err
    mat = sp.csr_matrix(mat)
    _check_weights(mat.data)
    return NetworkAdjacency(mat, tuple(nodelist), G.is_directed())


def _from_matrix(mat: Any, nodes: Sequence[Hashable] | None, directed: bool | None) -> NetworkAdjacency:
    mat = sp.csr_matrix(mat, dtype=np.float64)
    if mat.shape[0] != mat.shape[1]:
        raise NetworkError(f"an adjacency matrix must be square; this one has shape {mat.shape}")
    _check_weights(mat.data)
    labels = tuple(range(mat.shape[0])) if nodes is None else tuple(nodes)
    if directed is True:
        return NetworkAdjacency(mat, labels, True)
    symmetric = (mat != mat.T).nnz == 0
    if directed is False and not symmetric:
        raise NetworkError("`directed=False` needs a symmetric matrix; this one has [i, j] != [j, i]")
    return NetworkAdjacency(mat, labels, not symmetric)


def _positions(ends: np.ndarray, labels: tuple | None, which: str) -> np.ndarray:
    if labels is None:
        if ends.size and (not np.issubdtype(ends.dtype, np.integer) or ends.min() < 0):
            raise NetworkError(
                f"`{which}` must be node positions 0..n-1 (non-negative integers) when `nodes` is not given"
            )
        return ends.astype(np.intp, copy=False)
    try:  # vectorised lookup for numbers and strings
        order = np.argsort(np.asarray(labels), kind="stable")
        sorted_labels = np.asarray(labels)[order]
        pos = np.searchsorted(sorted_labels, ends)
        pos = np.clip(pos, 0, len(labels) - 1)
        found = sorted_labels[pos] == ends
        if np.all(found):
            return order[pos].astype(np.intp)
        bad = ends[~found][0]
    except (TypeError, ValueError):  # labels of mixed or unorderable types
        lookup = {label: i for i, label in enumerate(labels)}
        try:
            return np.fromiter((lookup[x] for x in ends.tolist()), dtype=np.intp, count=len(ends))
        except (KeyError, TypeError):
            bad = next(x for x in ends.tolist() if x not in lookup)
    raise NetworkError(f"`{which}` holds {bad!r}, which is not one of the labels in `nodes`")


def _from_edges(
    sources: Any,
    targets: Any,
    weights: Any = None,
    *,
    nodes: Sequence[Hashable] | None,
    directed: bool | None,
) -> NetworkAdjacency:
    src, dst = np.asarray(sources), np.asarray(targets)
    if src.shape != dst.shape:
        raise NetworkError(
            f"`sources` and `targets` must have the same length; got {len(src)} and {len(dst)}"
        )
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != src.shape:
        raise NetworkError(f"`weights` must have one value per edge ({len(src)}); got {w.size}")
    _check_weights(w)
    labels = None if nodes is None else tuple(nodes)
    i, j = _positions(src, labels, "sources"), _positions(dst, labels, "targets")
    n = len(labels) if labels is not None else int(max(i.max(initial=-1), j.max(initial=-1)) + 1)
    if directed is False:
        loops = i == j
        i, j, w = (
            np.concatenate([i, j[~loops]]),
            np.concatenate([j, i[~loops]]),
            np.concatenate([w, w[~loops]]),
        )
    mat = sp.csr_matrix((w, (i, j)), shape=(n, n))
    return NetworkAdjacency(mat, labels if labels is not None else tuple(range(n)), directed is not False)
