"""Network changes as scenarios: a departing expert, mentoring pairs, rewiring, ensembles of graphs.

Every function takes a :class:`~sysdyn.Model` with a network dimension (see
:meth:`sysdyn.Model.network`) and returns a *new* model; the one given is never
changed.  With ``at=time`` the change happens during the run: from that time
on (the node keeps its stocks, only the edges change); without it the
network is different from the start.

:func:`over_graphs` turns a network into one graph per run (an ensemble of
random graphs, say), run as one vectorised ensemble; :func:`random_graphs`
draws such graphs reproducibly from a seed, and :func:`run_over_graphs` runs a
model over graphs whether or not they share their nodes.

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> m = sd.Model("Team", stop=10, dt=0.5)
>>> team = m.network("team", nx.path_graph(["ann", "bo", "cy"]))
>>> m.stock("K[team]", initial={"ann": 9}, inflows=["Sharing[team]"])
>>> m.flow("Sharing[team]", "0.5 * DIFFUSION(K)")
>>> without_bo = remove_nodes(m, "team", ["bo"])
>>> without_bo.definition.dimension("team").elements
('ann', 'cy')
>>> round(float(without_bo.run()["K[cy]"][-1]), 6), round(float(m.run()["K[cy]"][-1]), 2)
(0.0, 2.97)
>>> bo_leaves = remove_nodes(m, "team", ["bo"], at=2)      # from t = 2 on, bo talks to nobody
>>> bo_leaves.run()["K"].shape
(21, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ..errors import DimensionError
from ..names import canonical, closest
from .dimension import NetworkDimension, NodeValues, _reindex
from .graphs import NetworkAdjacency, NetworkError, as_adjacency

if TYPE_CHECKING:
    from ..model import Model
    from ..results import Results

__all__ = [
    "remove_nodes",
    "add_edges",
    "remove_edges",
    "rewire",
    "with_graph",
    "over_graphs",
    "random_graphs",
    "run_over_graphs",
]


def _network(model: Model, name: str) -> NetworkDimension:
    dims = model.definition.dimensions
    for dim in dims:
        if dim.key == canonical(name):
            if not getattr(dim, "is_network", False):
                raise DimensionError(
                    f"`{dim.name}` is an ordinary dimension, not a network; "
                    "make it with Model.network(name, graph)"
                )
            return dim  # type: ignore[return-value]
    networks = [d.name for d in dims if getattr(d, "is_network", False)]
    hint = closest(name, networks)
    raise DimensionError(
        f"the model has no network called `{name}`"
        + (f"; did you mean `{hint}`?" if hint else f" (networks: {', '.join(networks) or 'none'})")
    )


def _rebuilt(model: Model, dim: NetworkDimension, variables=None) -> Model:
    from ..model import Model

    definition = model.definition
    dims = tuple(dim if d.key == dim.key else d for d in definition.dimensions)
    changes: dict[str, Any] = {"dimensions": dims}
    if variables is not None:
        changes["variables"] = variables
    return Model.from_definition(replace(definition, **changes))


def _without_elements(model: Model, key: str, removed: set[str]) -> tuple:
    """The model's variables without the per-element equations of the ``removed`` elements of ``key``."""
    variables = []
    for v in model.definition.variables:
        axes = [i for i, d in enumerate(v.dimensions) if canonical(d) == key]
        if axes and v.element_equations:
            kept = tuple(
                (elems, eq)
                for elems, eq in v.element_equations
                if not any(canonical(elems[i]) in removed for i in axes)
            )
            v = replace(v, element_equations=kept)
        variables.append(v)
    return tuple(variables)


def _edited(dim: NetworkDimension, edit: Callable[[NetworkAdjacency], NetworkAdjacency]) -> dict:
    """Every graph of ``dim`` edited, as arguments of :func:`dataclasses.replace`."""
    return {
        "adjacency": edit(dim.adjacency),  # type: ignore[arg-type]
        "schedule": tuple((t, edit(g)) for t, g in dim.schedule),
        "ensemble": tuple(edit(g) for g in dim.ensemble),
    }


def _every_graph(
    dim: NetworkDimension, edit: Callable[[NetworkAdjacency], NetworkAdjacency], at
) -> NetworkDimension:
    """``dim`` with ``edit`` applied to every graph in force from ``at`` on (all graphs if ``at`` is None)."""
    if at is None:
        return replace(dim, **_edited(dim, edit))
    if dim.ensemble:
        raise NetworkError(
            f"the network `{dim.name}` holds one graph per run; "
            "changes during a run (`at=`) are not supported"
        )
    at = float(at)
    eps = 1e-9 * max(1.0, abs(at))
    before = tuple((t, g) for t, g in dim.schedule if t < at - eps)
    after = tuple((t, edit(g)) for t, g in dim.schedule if t > at + eps)
    return replace(dim, schedule=(*before, (at, edit(dim.graph_at(at))), *after))


def _keys(adj: NetworkAdjacency, pairs: np.ndarray) -> np.ndarray:
    return pairs[:, 0].astype(np.int64) * adj.n + pairs[:, 1]


def _edge_positions(adj: NetworkAdjacency, edges: Iterable[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(m, 2)`` of ``(u, v[, w])`` edges and their weights (1 if not given)."""
    rows = [tuple(e) for e in edges]
    if any(len(r) not in (2, 3) for r in rows):
        raise NetworkError("edges must be (u, v) or (u, v, weight) tuples")
    if not rows:
        return np.zeros((0, 2), dtype=np.intp), np.zeros(0)
    ends = adj.index([r[0] for r in rows]), adj.index([r[1] for r in rows])
    weights = np.array([float(r[2]) if len(r) == 3 else 1.0 for r in rows])
    return np.column_stack(ends), weights


def _with_both_directions(adj: NetworkAdjacency, pairs: np.ndarray, w: np.ndarray):
    if adj.directed:
        return pairs, w
    return np.concatenate([pairs, pairs[:, ::-1]]), np.concatenate([w, w])


def _set_edges(adj: NetworkAdjacency, pairs: np.ndarray, w: np.ndarray, add: bool) -> NetworkAdjacency:
    coo = adj.matrix.tocoo()
    old = np.column_stack([coo.row, coo.col])
    pairs, w = _with_both_directions(adj, pairs, w)
    drop = np.isin(_keys(adj, old), _keys(adj, pairs))
    if not add and drop.sum() < len(np.unique(_keys(adj, pairs))):
        missing = pairs[~np.isin(_keys(adj, pairs), _keys(adj, old))][0]
        raise NetworkError(
            f"({adj.labels[missing[0]]!r}, {adj.labels[missing[1]]!r}) is not an edge of the network"
        )
    keep = ~drop
    rows, cols, data = coo.row[keep], coo.col[keep], coo.data[keep]
    if add:
        rows, cols, data = (
            np.concatenate([rows, pairs[:, 0]]),
            np.concatenate([cols, pairs[:, 1]]),
            np.concatenate([data, w]),
        )
    mat = sp.csr_matrix((data, (rows, cols)), shape=adj.matrix.shape)
    return NetworkAdjacency(mat, adj.labels, adj.directed)


def add_edges(
    model: Model, network: str, edges: Iterable[Sequence[Any]], *, weight: float | None = None, at=None
) -> Model:
    """A model whose network has these edges too (an existing edge takes the new weight).

    Parameters
    ----------
    model : Model
    network : str
        Name of the network dimension.
    edges : iterable of (u, v) or (u, v, weight)
        Node labels; an undirected network gets both directions.
    weight : float, optional
        Weight of edges given as ``(u, v)`` (default 1).
    at : float, optional
        The time from which the edges exist (default: from the start).

    Returns
    -------
    Model

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=1); _ = m.network("team", nx.empty_graph(3))
    >>> new = add_edges(m, "team", [(0, 2)], weight=0.5)
    >>> new.definition.dimension("team").adjacency.matrix.toarray()[0]
    array([0. , 0. , 0.5])
    """
    dim = _network(model, network)
    listed = [tuple(e) if len(tuple(e)) == 3 or weight is None else (*tuple(e), weight) for e in edges]

    def edit(adj: NetworkAdjacency) -> NetworkAdjacency:
        pairs, w = _edge_positions(adj, listed)
        return _set_edges(adj, pairs, w, add=True)

    return _rebuilt(model, _every_graph(dim, edit, at))


def remove_edges(model: Model, network: str, edges: Iterable[Sequence[Any]], *, at=None) -> Model:
    """A model whose network lacks these edges (both directions in an undirected network).

    Raises
    ------
    NetworkError
        If one of the pairs is not an edge.

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=1); _ = m.network("team", nx.path_graph(3))
    >>> remove_edges(m, "team", [(1, 0)]).definition.dimension("team").adjacency.n_edges
    1
    """
    dim = _network(model, network)
    listed = [tuple(e)[:2] for e in edges]

    def edit(adj: NetworkAdjacency) -> NetworkAdjacency:
        pairs, w = _edge_positions(adj, listed)
        return _set_edges(adj, pairs, w, add=False)

    return _rebuilt(model, _every_graph(dim, edit, at))


def _isolate(positions: np.ndarray) -> Callable[[NetworkAdjacency], NetworkAdjacency]:
    def edit(adj: NetworkAdjacency) -> NetworkAdjacency:
        keep = np.ones(adj.n)
        keep[positions] = 0.0
        scale = sp.diags(keep)
        return NetworkAdjacency((scale @ adj.matrix @ scale).tocsr(), adj.labels, adj.directed)

    return edit


def remove_nodes(model: Model, network: str, nodes: Iterable[Hashable], *, at=None) -> Model:
    """A model without these nodes (an expert leaves).

    Without ``at`` the nodes are gone from the dimension: their stocks,
    per-node values and per-element equations go with them (an equation that
    names one of them explicitly no longer compiles).  With ``at=time`` they
    stay but lose all their edges from that time on.

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=1); _ = m.network("team", nx.star_graph(3))
    >>> m.constant("k[team]", [1, 2, 3, 4])
    >>> smaller = remove_nodes(m, "team", [0])
    >>> smaller.definition.dimension("team").adjacency.n_edges, smaller.run()["k"][0]
    (0, array([2., 3., 4.]))
    """
    dim = _network(model, network)
    gone = dim.adjacency.index(list(nodes))  # type: ignore[union-attr]
    if at is not None:
        return _rebuilt(model, _every_graph(dim, _isolate(gone), at))
    keep = np.setdiff1d(np.arange(dim.size), gone)
    if len(keep) == 0:
        raise NetworkError(f"removing these nodes would leave the network `{dim.name}` empty")

    def edit(adj: NetworkAdjacency) -> NetworkAdjacency:
        labels = tuple(adj.labels[i] for i in keep)
        return NetworkAdjacency(adj.matrix[keep][:, keep], labels, adj.directed)

    removed = {dim.element_keys[i] for i in gone}
    smaller = replace(
        dim,
        **_edited(dim, edit),
        elements=tuple(dim.elements[i] for i in keep),
        node_data=tuple((k, NodeValues(v.values[keep])) for k, v in dim.node_data),
        positions=None if dim.positions is None else NodeValues(dim.positions.values[keep]),
    )
    return _rebuilt(model, smaller, _without_elements(model, dim.key, removed))


def rewire(model: Model, network: str, fraction: float, *, seed: int | None = None, at=None) -> Model:
    """A model whose network has a ``fraction`` of its edges rewired at random (as Watts and Strogatz do).

    Each chosen edge keeps its first node and weight and gets a new other end,
    drawn uniformly among the nodes it is not yet linked to (an edge with no
    such node stays).  The number of edges stays the same.

    Parameters
    ----------
    fraction : float
        Probability that each edge (each undirected edge once) is rewired.
    seed : int, optional
        Seed of the random draws.

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=1); _ = m.network("team", nx.cycle_graph(30))
    >>> new = rewire(m, "team", 0.5, seed=1).definition.dimension("team").adjacency
    >>> new.n_edges, bool((new.matrix != m.definition.dimension("team").adjacency.matrix).nnz > 0)
    (30, True)
    """
    if not 0 <= fraction <= 1:
        raise NetworkError(f"`fraction` must be between 0 and 1 (got {fraction})")
    dim = _network(model, network)
    rng = np.random.default_rng(seed)

    def edit(adj: NetworkAdjacency) -> NetworkAdjacency:
        n, undirected = adj.n, not adj.directed
        coo = (sp.triu(adj.matrix) if undirected else adj.matrix).tocoo()
        rows, cols, data = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data

        def keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # undirected edges have one key
            return np.minimum(a, b) * n + np.maximum(a, b) if undirected else a * n + b

        linked = np.unique(keys(rows, cols))
        pending = np.flatnonzero(rng.random(len(rows)) < fraction)
        # vectorised draws; clashes (self-loops, existing or repeated edges) are drawn again
        for _round in range(20):
            if not len(pending):
                break
            new = rng.integers(0, n, size=len(pending))
            drawn = keys(rows[pending], new)
            ok = (new != rows[pending]) & ~np.isin(drawn, linked)
            _, first = np.unique(drawn, return_index=True)
            ok &= np.isin(np.arange(len(drawn)), first)
            done = pending[ok]
            linked = np.union1d(np.setdiff1d(linked, keys(rows[done], cols[done])), drawn[ok])
            cols = cols.copy()
            cols[done] = new[ok]
            pending = pending[~ok]
        if undirected:
            mirror = rows != cols
            rows, cols, data = np.r_[rows, cols[mirror]], np.r_[cols, rows[mirror]], np.r_[data, data[mirror]]
        mat = sp.csr_matrix((data, (rows, cols)), shape=adj.matrix.shape)
        return NetworkAdjacency(mat, adj.labels, adj.directed)

    return _rebuilt(model, _every_graph(dim, edit, at))


def with_graph(model: Model, network: str, graph: Any, *, weight: str | None = "weight", at=None) -> Model:
    """A model whose network is ``graph`` (over the same nodes if ``at`` is given).

    Without ``at`` the graph may have other nodes: per-node values follow the
    node labels (new nodes get 0; per-element equations of nodes that are
    gone are dropped).  With ``at=time`` the graph replaces the network from
    that time on, and must not bring new nodes (nodes it leaves out are
    isolated).

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=1); _ = m.network("team", nx.path_graph(3))
    >>> with_graph(m, "team", nx.complete_graph(3), at=0.5).definition.dimension("team").graph_at(1).n_edges
    3
    """
    dim = _network(model, network)
    adj = as_adjacency(graph, weight)
    if at is not None:
        return _rebuilt(
            model, _every_graph(dim, lambda old: _reindex(adj, old, f"the graph of time {at}"), at)
        )
    if dim.ensemble or dim.schedule:
        raise NetworkError(
            f"the network `{dim.name}` changes over time or per run; give the new graph with `at=`, or "
            "rebuild the model's network with Model.network"
        )
    lookup = dim.adjacency._lookup()  # type: ignore[union-attr]
    old = np.array([lookup.get(label, -1) for label in adj.labels])
    found = old >= 0

    def carried(values: np.ndarray) -> np.ndarray:
        out = np.zeros((adj.n, *values.shape[1:]))
        out[found] = values[old[found]]
        return out

    removed = set(dim.element_keys) - {canonical(str(x)) for x in adj.labels}
    from .dimension import network_dimension

    fresh = network_dimension(dim.name, adj, doc=dim.doc)
    fresh = replace(
        fresh,
        node_data=tuple((k, NodeValues(carried(v.values))) for k, v in dim.node_data),
        positions=None
        if dim.positions is None or not found.all()
        else NodeValues(carried(dim.positions.values)),
    )
    return _rebuilt(model, fresh, _without_elements(model, dim.key, removed))


def over_graphs(model: Model, network: str, graphs: Sequence[Any], *, weight: str | None = "weight") -> Model:
    """A model that runs once per graph, all graphs in one vectorised ensemble.

    The graphs must have the network's nodes (a node a graph leaves out is
    isolated in it).  Every run of the returned model is an ensemble of
    ``len(graphs)`` runs, run ``r`` on ``graphs[r]``; ensemble parameters, if
    any, must have that many values (they are paired with the graphs).

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=4, dt=1); _ = m.network("team", nx.empty_graph(3))
    >>> m.aux("links[team]", "DEGREE(team)")
    >>> res = over_graphs(m, "team", [nx.path_graph(3), nx.complete_graph(3)]).run()
    >>> res["links"][:, 0]
    array([[1., 2., 1.],
           [2., 2., 2.]])
    """
    dim = _network(model, network)
    graphs = list(graphs)
    if not graphs:
        raise NetworkError("`graphs` is empty")
    if dim.schedule:
        raise NetworkError(
            f"the network `{dim.name}` changes over time; one graph per run is not supported with it"
        )
    base = dim.adjacency
    adjs = tuple(
        _reindex(as_adjacency(g, weight), base, f"graph {i} of the ensemble")  # type: ignore[arg-type]
        for i, g in enumerate(graphs)
    )
    return _rebuilt(model, replace(dim, adjacency=adjs[0], ensemble=adjs))


def random_graphs(make: Callable[[int], Any], n: int, *, seed: int | None = None) -> list:
    """``n`` random graphs ``make(s)``, with seeds ``s`` drawn reproducibly from ``seed``.

    Parameters
    ----------
    make : callable
        Takes an integer seed and returns a graph, e.g.
        ``lambda s: nx.connected_watts_strogatz_graph(40, 4, 0.1, seed=s)``.
    n : int
        Number of graphs.
    seed : int, optional
        Seed of the seeds (:class:`numpy.random.SeedSequence`).

    Examples
    --------
    >>> import networkx as nx
    >>> make = lambda s: nx.gnp_random_graph(10, 0.3, seed=s)
    >>> a, b = random_graphs(make, 3, seed=7), random_graphs(make, 3, seed=7)
    >>> len(a), all(nx.utils.graphs_equal(g, h) for g, h in zip(a, b))
    (3, True)
    """
    seeds = np.random.SeedSequence(seed).generate_state(n)
    return [make(int(s)) for s in seeds]


def run_over_graphs(
    model: Model, network: str, graphs: Sequence[Any], **options: Any
) -> Results | list[Results]:
    """Run ``model`` once per graph: one vectorised ensemble when the graphs share the network's nodes.

    Parameters
    ----------
    model : Model
    network : str
        The network dimension to replace.
    graphs : sequence
        Graphs (anything :func:`~sysdyn.network.as_adjacency` takes).
    **options
        Passed to :meth:`sysdyn.Model.run` (``method``, ``params``...).

    Returns
    -------
    Results or list of Results
        One ensemble (run ``r`` on ``graphs[r]``) if every graph has exactly
        the network's nodes, else one result per graph.

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=5, dt=0.5); _ = m.network("team", nx.empty_graph(20))
    >>> m.stock("K[team]", initial={0: 1}, inflows=["Sharing[team]"])
    >>> m.flow("Sharing[team]", "0.5 * DIFFUSION(K)")
    >>> gs = random_graphs(lambda s: nx.connected_watts_strogatz_graph(20, 4, 0.2, seed=s), 50, seed=1)
    >>> res = run_over_graphs(m, "team", gs)
    >>> res["K"].shape, np.allclose(res["K"].sum(axis=2), 1.0)
    ((50, 11, 20), True)
    """
    dim = _network(model, network)
    adjs = [as_adjacency(g) for g in graphs]
    same = all(set(a.labels) == set(dim.nodes) for a in adjs)
    if same:
        return over_graphs(model, network, adjs).run(**options)
    return [with_graph(model, network, a).run(**options) for a in adjs]
