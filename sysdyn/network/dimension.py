"""A network as a dimension of a stock-and-flow model.

:meth:`sysdyn.Model.network` makes a :class:`NetworkDimension`: a
:class:`~sysdyn.ir.Dimension` whose elements are the nodes of a graph and
which carries the graph's adjacency, so that equations can sum, average or
diffuse over neighbours (``NEIGHBOR_SUM(Knowledge)``, ``DIFFUSION(Knowledge)``;
see :mod:`sysdyn.network.operators`).  The dimension is frozen and hashable,
as every part of a :class:`~sysdyn.ir.ModelDefinition` is: two dimensions are
equal when their names, nodes, edges, weights and per-node values are.

Besides the graph itself a network dimension can hold

- a *schedule*: other graphs over the same nodes that replace it at given
  times (an expert leaves, mentoring pairs start);
- an *ensemble*: one graph per run, so that one vectorised run covers many
  random graphs (see :func:`sysdyn.network.over_graphs`);
- *node data*: per-node values of variables (node attributes of the graph,
  initial values given per node), kept as arrays and read by the equation
  ``NODE_DATA(team)``, so that a million nodes cost one array, not a million
  equations;
- *positions* for drawing, from the ``pos`` node attribute.

Examples
--------
>>> import networkx as nx
>>> team = network_dimension("team", nx.path_graph(["ann", "bo", "cy"]))
>>> team.elements, team.directed, team.adjacency.n_edges
(('ann', 'bo', 'cy'), False, 2)
>>> team == network_dimension("team", nx.path_graph(["ann", "bo", "cy"]))
True
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..errors import DimensionError, DuplicateNameError
from ..ir import Dimension
from ..names import canonical
from .graphs import NetworkAdjacency, NetworkError, as_adjacency

__all__ = [
    "NetworkDimension",
    "NodeValues",
    "network_dimension",
    "node_data_equation",
    "store_node_values",
    "adjacency_digest",
]


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _digest(*arrays: np.ndarray) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        h.update(str((arr.dtype.str, arr.shape)).encode())
        h.update(np.ascontiguousarray(arr).data)
    return h.digest()


def adjacency_digest(adj: NetworkAdjacency) -> bytes:
    """A fingerprint of a network's edges and weights (computed once per network).

    Examples
    --------
    >>> a, b = as_adjacency(nx.path_graph(3)), as_adjacency(nx.path_graph(3))
    >>> adjacency_digest(a) == adjacency_digest(b) != adjacency_digest(as_adjacency(nx.star_graph(2)))
    True
    """
    cached = adj.__dict__.get("_digest_cache")
    if cached is None:
        m = adj.matrix
        cached = _digest(m.indptr, m.indices, m.data, np.array([adj.directed]))
        object.__setattr__(adj, "_digest_cache", cached)
    return cached


def integer_labels(adj: NetworkAdjacency) -> bool:
    """Whether every node label is an ``int`` (checked once per network).

    Examples
    --------
    >>> integer_labels(as_adjacency(nx.path_graph(3))), integer_labels(as_adjacency(nx.path_graph("ab")))
    (True, False)
    """
    cached = adj.__dict__.get("_integer_cache")
    if cached is None:
        labels = adj.labels
        cached = labels == tuple(range(len(labels))) or all(type(x) is int for x in labels)
        object.__setattr__(adj, "_integer_cache", cached)
    return cached


@dataclass(frozen=True, eq=False)
class NodeValues:
    """A read-only array of per-node values, compared and hashed by content.

    Examples
    --------
    >>> NodeValues([1, 2]) == NodeValues(np.array([1.0, 2.0])), NodeValues([1, 2]).values
    (True, array([1., 2.]))
    """

    values: np.ndarray

    def __post_init__(self) -> None:
        arr = np.array(self.values, dtype=np.float64)  # a copy: nobody else holds it
        object.__setattr__(self, "values", _read_only(arr))
        object.__setattr__(self, "_hash", _digest(arr))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeValues) and self._hash == other._hash  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._hash)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"NodeValues(shape={self.values.shape})"


@dataclass(frozen=True, eq=False)
class NetworkDimension(Dimension):
    """A dimension whose elements are the nodes of a network (made by :meth:`sysdyn.Model.network`).

    Parameters
    ----------
    name : str
        The dimension's name.
    elements : tuple of str
        The element names: ``str`` of each node label, in the adjacency's order.
    doc : str
        Documentation.
    adjacency : NetworkAdjacency
        The graph (at the start of a run; the first graph of an ensemble).
    schedule : tuple of (float, NetworkAdjacency)
        Graphs that replace it from the given times on, in time order.
    ensemble : tuple of NetworkAdjacency
        One graph per run (empty: the same graph for every run).
    node_data : tuple of (str, NodeValues)
        Per-node values of variables, by canonical variable name, read by
        ``NODE_DATA(dimension)`` in that variable's equation.
    positions : NodeValues, optional
        ``(n, 2)`` node positions for drawing.

    Examples
    --------
    >>> team = network_dimension("team", nx.DiGraph([(1, 2), (2, 3)]))
    >>> team.nodes, team.directed, team.size
    ((1, 2, 3), True, 3)
    >>> team.number_to_position(3), team.number_to_position(7) is None
    (2, True)
    """

    adjacency: NetworkAdjacency | None = None
    schedule: tuple[tuple[float, NetworkAdjacency], ...] = ()
    ensemble: tuple[NetworkAdjacency, ...] = ()
    node_data: tuple[tuple[str, NodeValues], ...] = ()
    positions: NodeValues | None = None

    #: Marks network dimensions for the compiler (which does not import this module otherwise).
    is_network: ClassVar[bool] = True

    def __post_init__(self) -> None:
        adj = self.adjacency
        if not isinstance(adj, NetworkAdjacency):
            raise NetworkError(f"a network dimension needs a NetworkAdjacency (got {type(adj).__name__})")
        n = adj.n
        if len(self.elements) != n:
            raise DimensionError(f"{len(self.elements)} element names for {n} nodes", element=self.name)
        for what, graphs in (("schedule", [g for _t, g in self.schedule]), ("ensemble", self.ensemble)):
            for g in graphs:
                if g.labels != adj.labels:
                    raise NetworkError(
                        f"every graph of the {what} must have the same nodes, in the same order"
                    )
        times = [t for t, _g in self.schedule]
        if any(not math.isfinite(t) for t in times) or times != sorted(times):
            raise NetworkError("the times of a network's changes must be finite and in increasing order")
        if self.schedule and self.ensemble:
            raise NetworkError("a network cannot both change over time and hold one graph per run (yet)")
        for key, values in self.node_data:
            if values.values.shape[:1] != (n,):
                raise DimensionError(
                    f"the node data of `{key}` has shape {values.values.shape}; expected ({n},)",
                    element=self.name,
                )
        if not integer_labels(adj):  # distinct integers are distinct element names already
            super().__post_init__()
        elif not self.elements:
            raise DimensionError("a network needs at least one node", element=self.name)

    # -- identity ------------------------------------------------------------------------------------
    def _fingerprint(self) -> tuple:
        cached = self.__dict__.get("_fingerprint_cache")
        if cached is None:
            cached = (
                self.name,
                self.elements,
                self.doc,
                self.adjacency.labels,  # type: ignore[union-attr]
                adjacency_digest(self.adjacency),  # type: ignore[arg-type]
                tuple((t, adjacency_digest(g)) for t, g in self.schedule),
                tuple(adjacency_digest(g) for g in self.ensemble),
                self.node_data,
                self.positions,
            )
            object.__setattr__(self, "_fingerprint_cache", cached)
        return cached

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetworkDimension):
            return NotImplemented
        return self is other or self._fingerprint() == other._fingerprint()

    def __hash__(self) -> int:
        return hash(self._fingerprint())

    def __repr__(self) -> str:
        extra = f", {len(self.schedule)} changes" if self.schedule else ""
        extra += f", {len(self.ensemble)} graphs (one per run)" if self.ensemble else ""
        return f"NetworkDimension({self.name!r}, {self.adjacency!r}{extra})"

    # -- nodes ---------------------------------------------------------------------------------------
    @property
    def nodes(self) -> tuple:
        """The node labels, in order (any hashable values; :attr:`elements` are their ``str``)."""
        return self.adjacency.labels  # type: ignore[union-attr]

    @property
    def directed(self) -> bool:
        """Whether any of the network's graphs is directed."""
        graphs = [self.adjacency, *(g for _t, g in self.schedule), *self.ensemble]
        return any(g.directed for g in graphs)  # type: ignore[union-attr]

    @property
    def element_keys(self) -> tuple[str, ...]:
        """Canonical element names, in order (computed once)."""
        cached = self.__dict__.get("_element_keys_cache")
        if cached is None:
            cached = tuple(canonical(e) for e in self.elements)
            object.__setattr__(self, "_element_keys_cache", cached)
        return cached

    def number_to_position(self, number: int) -> int | None:
        """The position of the node a whole number in a subscript (``x[5]``) stands for, or ``None``.

        When every node label is an integer, ``x[5]`` is the node labelled 5;
        otherwise it is the fifth node, as in XMILE.

        Examples
        --------
        >>> network_dimension("t", nx.path_graph(["a", "b"])).number_to_position(2)
        1
        """
        if self._integer_labels():
            return self.adjacency._lookup().get(number)  # type: ignore[union-attr]
        return number - 1 if 1 <= number <= self.size else None

    def _integer_labels(self) -> bool:
        return integer_labels(self.adjacency)  # type: ignore[arg-type]

    # -- graphs over time and runs -------------------------------------------------------------------
    def graph_at(self, time: float, run: int | None = None) -> NetworkAdjacency:
        """The graph in force at ``time`` (of run ``run``, for an ensemble of graphs).

        Examples
        --------
        >>> team = network_dimension("t", nx.path_graph(3), changes=[(5, nx.empty_graph(3))])
        >>> team.graph_at(0).n_edges, team.graph_at(5).n_edges
        (2, 0)
        """
        if self.ensemble:
            return self.ensemble[0 if run is None else run]
        current = self.adjacency
        for t, g in self.schedule:
            if time >= t - 1e-9 * max(1.0, abs(t)):
                current = g
        return current  # type: ignore[return-value]

    @property
    def n_runs(self) -> int | None:
        """The number of graphs of an ensemble (one per run), or ``None``.

        Examples
        --------
        >>> network_dimension("t", nx.path_graph(2)).n_runs is None
        True
        """
        return len(self.ensemble) or None

    # -- node data -----------------------------------------------------------------------------------
    def data(self, key: str) -> np.ndarray | None:
        """The stored per-node values of the variable ``key`` (any spelling), or ``None``.

        Examples
        --------
        >>> G = nx.path_graph(2); G.nodes[0]["skill"] = 3.0; G.nodes[1]["skill"] = 4.0
        >>> network_dimension("t", G, node_attributes=["skill"]).data("Skill")
        array([3., 4.])
        """
        key = canonical(key)
        for k, values in self.node_data:
            if k == key:
                return values.values
        return None

    def data_index(self, key: str) -> int | None:
        """The position of ``key``'s values in :attr:`node_data`, or ``None``.

        Examples
        --------
        >>> network_dimension("t", nx.path_graph(2)).with_data("k", [1, 2]).data_index("K")
        0
        """
        key = canonical(key)
        return next((i for i, (k, _v) in enumerate(self.node_data) if k == key), None)

    def with_data(self, key: str, values: Any) -> NetworkDimension:
        """A copy that stores ``values`` (one per node) for the variable ``key``.

        Examples
        --------
        >>> network_dimension("t", nx.path_graph(2)).with_data("K", [1, 2]).data("k")
        array([1., 2.])
        """
        arr = NodeValues(values)
        if arr.values.shape != (self.size,):
            raise DimensionError(
                f"`{key}` needs one value per node ({self.size}); got shape {arr.values.shape}",
                element=self.name,
            )
        kept = tuple((k, v) for k, v in self.node_data if k != canonical(key))
        return replace(self, node_data=(*kept, (canonical(key), arr)))


# -- building ----------------------------------------------------------------------------------------
def _reindex(adj: NetworkAdjacency, base: NetworkAdjacency, what: str) -> NetworkAdjacency:
    """``adj`` over the nodes of ``base`` (its nodes must be among them; missing ones are isolated)."""
    if adj.labels == base.labels:
        return adj
    try:
        pos = base.index(adj.labels)
    except NetworkError as err:
        raise NetworkError(f"{what}: {err}; a network's nodes cannot change during a run") from None
    coo = adj.matrix.tocoo()
    mat = sp.csr_matrix((coo.data, (pos[coo.row], pos[coo.col])), shape=base.matrix.shape)
    return NetworkAdjacency(mat, base.labels, adj.directed)


def _attribute_values(G: Any, labels: tuple, attribute: str, network: str) -> np.ndarray:
    values = np.empty(len(labels))
    missing = []
    for i, node in enumerate(labels):
        value = G.nodes[node].get(attribute)
        if value is None:
            missing.append(node)
            continue
        try:
            values[i] = float(value)
        except (TypeError, ValueError):
            raise NetworkError(
                f"node attribute {attribute!r} of node {node!r} must be a number (got {value!r})"
            ) from None
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise NetworkError(
            f"node attribute {attribute!r} is missing on {len(missing)} of the {len(labels)} nodes of "
            f"`{network}` ({shown}); give it to every node, or pass "
            f"node_attributes={{{attribute!r}: values}} with one value per node"
        )
    return values


def _mapping_values(values: Any, base: NetworkAdjacency, attribute: str) -> np.ndarray:
    if isinstance(values, Mapping):
        out = np.zeros(base.n)
        missing = [node for node in base.labels if node not in values]
        if missing:
            raise NetworkError(
                f"node attribute {attribute!r} has no value for {len(missing)} node(s) "
                f"(such as {missing[0]!r}); give one value per node"
            )
        out[:] = [float(values[node]) for node in base.labels]
        return out
    arr = np.asarray(values, dtype=float)
    if arr.shape != (base.n,):
        raise NetworkError(
            f"node attribute {attribute!r} needs one value per node ({base.n}); got shape {arr.shape}"
        )
    return arr


def network_dimension(
    name: str,
    graph: Any,
    *,
    weight: str | None = "weight",
    nodes: Sequence[Hashable] | None = None,
    directed: bool | None = None,
    node_attributes: Iterable[str] | Mapping[str, Any] = (),
    changes: Iterable[tuple[float, Any]] = (),
    doc: str = "",
) -> NetworkDimension:
    """Build a :class:`NetworkDimension` (what :meth:`sysdyn.Model.network` stores).

    Parameters
    ----------
    name : str
        The dimension's name.
    graph : networkx.Graph, scipy.sparse matrix, edge arrays or NetworkAdjacency
        Anything :func:`sysdyn.network.as_adjacency` takes.
    weight, nodes, directed
        Passed to :func:`~sysdyn.network.as_adjacency`.
    node_attributes : iterable of str, or mapping of str to values
        Names of numeric node attributes of a networkx graph, or a mapping
        from a name to one value per node (an array in node order, or a
        mapping node -> value).  Their values become node data under that name.
    changes : iterable of (time, graph)
        Graphs over the same nodes that replace the network from ``time`` on.
        A node a later graph leaves out is isolated (it keeps its stocks).
    doc : str
        Documentation.

    Returns
    -------
    NetworkDimension

    Raises
    ------
    NetworkError
        For a graph :func:`~sysdyn.network.as_adjacency` rejects, a missing or
        non-numeric node attribute, or a change that brings new nodes.

    Examples
    --------
    >>> import numpy as np
    >>> edges = (np.array([0, 1]), np.array([1, 2]))
    >>> big = network_dimension("org", edges, node_attributes={"x": np.ones(3)})
    >>> big.size, big.directed, big.data("x")
    (3, True, array([1., 1., 1.]))
    """
    base = as_adjacency(graph, weight, nodes, directed=directed)
    if base.n == 0:
        raise NetworkError(f"the network `{name}` has no nodes")
    schedule = []
    for item in changes:
        try:
            t, g = item
            t = float(t)
        except (TypeError, ValueError):
            raise NetworkError(f"`changes` must be (time, graph) pairs (got {item!r})") from None
        adj = as_adjacency(g, weight, directed=directed if not isinstance(g, nx.Graph) else None)
        schedule.append((t, _reindex(adj, base, f"the graph of time {t:g}")))
    schedule.sort(key=lambda pair: pair[0])
    data: list[tuple[str, NodeValues]] = []
    if isinstance(node_attributes, Mapping):
        for attr, values in node_attributes.items():
            data.append((canonical(attr), NodeValues(_mapping_values(values, base, attr))))
    else:
        attrs = [node_attributes] if isinstance(node_attributes, str) else list(node_attributes)
        if attrs and not isinstance(graph, nx.Graph):
            raise NetworkError(
                "node attributes given by name are read from a networkx graph; for a matrix or edge arrays "
                "pass node_attributes={name: values} with one value per node"
            )
        for attr in attrs:
            data.append((canonical(attr), NodeValues(_attribute_values(graph, base.labels, attr, name))))
    positions = None
    if isinstance(graph, nx.Graph):
        pos = [graph.nodes[node].get("pos") for node in base.labels]
        if all(p is not None and np.shape(p) == (2,) for p in pos):
            positions = NodeValues(np.asarray(pos, dtype=float))
    elements = tuple(map(str, base.labels))
    if not integer_labels(base) and len(set(elements)) != len(elements):
        raise DuplicateNameError(
            "two nodes have the same name as text (such as 1 and '1'); relabel them "
            "(networkx.relabel_nodes) so that every node has its own name",
            element=name,
        )
    return NetworkDimension(
        name,
        elements,
        doc,
        adjacency=base,
        schedule=tuple(schedule),
        node_data=tuple(data),
        positions=positions,
    )


_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*$")


def node_data_equation(dimension: str) -> str:
    """The equation that reads a variable's node data from the network ``dimension``.

    Examples
    --------
    >>> node_data_equation("team"), node_data_equation("org chart"), node_data_equation("team-2")
    ('NODE_DATA(team)', 'NODE_DATA(org_chart)', 'NODE_DATA("team-2")')
    """
    if _PLAIN_NAME.match(dimension):
        return f"NODE_DATA({dimension.strip().replace(' ', '_')})"
    escaped = dimension.replace("\\", "\\\\").replace('"', '\\"')
    return f'NODE_DATA("{escaped}")'


def store_node_values(
    dimension: NetworkDimension, variable: str, value: Any
) -> tuple[NetworkDimension, str] | None:
    """Keep per-node numbers of ``variable`` on the network; ``None`` if ``value`` is not such numbers.

    ``value`` is an array with one number per node, or a mapping from node
    (label or element name) to number, nodes left out getting 0.  Returns the
    changed dimension and the equation that reads the values.

    Examples
    --------
    >>> team = network_dimension("team", nx.path_graph(3))
    >>> new, eq = store_node_values(team, "Knowledge", {0: 10})
    >>> eq, new.data("knowledge")
    ('NODE_DATA(team)', array([10.,  0.,  0.]))
    >>> store_node_values(team, "Knowledge", {0: "ceiling"}) is None
    True
    """
    if isinstance(value, Mapping):
        values = np.zeros(dimension.size)
        by_label = dimension.adjacency._lookup()  # type: ignore[union-attr]
        by_name = {k: i for i, k in enumerate(dimension.element_keys)}
        for node, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int | float | np.number):
                return None
            try:
                position = by_label.get(node)
            except TypeError:  # unhashable
                position = None
            if position is None and isinstance(node, str):
                position = by_name.get(canonical(node))
            if position is None:
                shown = ", ".join(dimension.elements[:5]) + (", ..." if dimension.size > 5 else "")
                raise DimensionError(
                    f"{node!r} is not a node of the network `{dimension.name}` ({shown})", element=variable
                )
            values[position] = float(number)
    elif isinstance(value, str | int | float) or not hasattr(value, "__len__"):
        return None
    else:
        try:
            values = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
        if values.shape != (dimension.size,):
            raise DimensionError(
                f"the values have shape {values.shape}, but the network `{dimension.name}` has "
                f"{dimension.size} nodes",
                element=variable,
            )
    return dimension.with_data(variable, values), node_data_equation(dimension.name)
